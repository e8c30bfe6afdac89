import { embeddingInputs } from './embedding.inputs';

describe('embeddingInputs', () => {
  it('counts a string or a single token array as one input', () => {
    expect(embeddingInputs({ input: 'hello' })).toBe(1);
    expect(embeddingInputs({ input: [101, 2023, 102] })).toBe(1);
  });

  it('counts each string or token array of an array', () => {
    expect(embeddingInputs({ input: ['a', 'b', 'c'] })).toBe(3);
    expect(embeddingInputs({ input: [[1, 2], [3]] })).toBe(2);
  });
});
