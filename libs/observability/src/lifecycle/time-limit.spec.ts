import { withTimeLimit } from './time-limit';

describe('withTimeLimit', () => {
  it('gives the outcome of work that ends in time', async () => {
    await expect(withTimeLimit(Promise.resolve(7), 1_000, () => new Error('late'))).resolves.toBe(7);
    await expect(withTimeLimit(Promise.reject(new Error('broke')), 1_000, () => new Error('late'))).rejects.toThrow('broke');
  });

  it('rejects with the given error once the time is up', async () => {
    await expect(withTimeLimit(new Promise<never>(() => undefined), 5, () => new Error('no answer within 5 ms'))).rejects.toThrow('no answer within 5 ms');
  });
});
