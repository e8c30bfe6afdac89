import { DEFAULT_RETRY_POLICY, resolveRetryPolicy, retryDelayMs } from './retry.policy';

const policy = resolveRetryPolicy({ initialDelayMs: 100, maxDelayMs: 1_000, multiplier: 2, jitter: 0.5 });

describe('retryDelayMs', () => {
  it('grows exponentially from the initial delay', () => {
    const noJitter = { ...policy, jitter: 0 };
    expect([1, 2, 3, 4].map((retry) => retryDelayMs(noJitter, retry))).toEqual([100, 200, 400, 800]);
  });

  it('never exceeds the cap', () => {
    expect(retryDelayMs(policy, 10, undefined, () => 1)).toBe(1_000);
  });

  it('spreads the delay evenly around the nominal value', () => {
    expect(retryDelayMs(policy, 2, undefined, () => 0)).toBe(100);
    expect(retryDelayMs(policy, 2, undefined, () => 0.5)).toBe(200);
    expect(retryDelayMs(policy, 2, undefined, () => 0.999)).toBe(300);
  });

  it('waits at least the retry-after hint, within the cap', () => {
    expect(retryDelayMs(policy, 1, 700, () => 0.5)).toBe(700);
    expect(retryDelayMs(policy, 1, 60_000, () => 0.5)).toBe(1_000);
    expect(retryDelayMs(policy, 1, 10, () => 0.5)).toBe(100);
  });
});

describe('resolveRetryPolicy', () => {
  it('fills in defaults', () => {
    expect(resolveRetryPolicy()).toEqual(DEFAULT_RETRY_POLICY);
    expect(resolveRetryPolicy({ maxRetries: 0 }).maxRetries).toBe(0);
  });

  it('rejects nonsense', () => {
    expect(() => resolveRetryPolicy({ maxRetries: -1 })).toThrow('maxRetries');
    expect(() => resolveRetryPolicy({ initialDelayMs: 500, maxDelayMs: 100 })).toThrow('delays');
    expect(() => resolveRetryPolicy({ multiplier: 0.5 })).toThrow('multiplier');
    expect(() => resolveRetryPolicy({ jitter: 2 })).toThrow('jitter');
  });
});
