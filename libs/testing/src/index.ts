export * from './wait/wait-for';
export * from './names/random-names';
