export * from './wait/wait-for';
export * from './names/random-names';
export * from './corpus/bad-input.corpus';
