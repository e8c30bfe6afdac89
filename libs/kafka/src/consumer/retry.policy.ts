export interface RetryPolicy {
  /** Attempts after the first one; 0 dead-letters on the first failure. */
  maxRetries: number;
  initialDelayMs: number;
  maxDelayMs: number;
  multiplier: number;
  /** Fraction of the delay that is randomised (0..1), so retries of many messages spread out. */
  jitter: number;
}

/** The shape of the waits alone, for a caller that retries for as long as a condition lasts rather than a number of times. */
export type RetryBackoff = Omit<RetryPolicy, 'maxRetries'>;

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 3,
  initialDelayMs: 200,
  maxDelayMs: 10_000,
  multiplier: 2,
  jitter: 0.2,
};

export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY, ...overrides };
  if (!Number.isInteger(policy.maxRetries) || policy.maxRetries < 0) {
    throw new Error(`retry.maxRetries must be a non-negative integer, got ${policy.maxRetries}`);
  }
  if (policy.initialDelayMs < 0 || policy.maxDelayMs < policy.initialDelayMs) {
    throw new Error('retry delays must satisfy 0 <= initialDelayMs <= maxDelayMs');
  }
  if (policy.multiplier < 1) {
    throw new Error(`retry.multiplier must be >= 1, got ${policy.multiplier}`);
  }
  if (policy.jitter < 0 || policy.jitter > 1) {
    throw new Error(`retry.jitter must be within 0..1, got ${policy.jitter}`);
  }
  return policy;
}

/**
 * Delay before retry number `retry` (1-based): exponential, capped, with jitter spread evenly
 * around the nominal value. A retry-after hint wins when longer, but the cap still applies so one
 * message cannot hold its partition for an unbounded time.
 */
export function retryDelayMs(policy: RetryBackoff, retry: number, retryAfterMs?: number, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxDelayMs, policy.initialDelayMs * policy.multiplier ** (retry - 1));
  const jittered = nominal * (1 - policy.jitter + 2 * policy.jitter * random());
  const delay = Math.max(jittered, retryAfterMs ?? 0);
  return Math.round(Math.min(delay, policy.maxDelayMs));
}
