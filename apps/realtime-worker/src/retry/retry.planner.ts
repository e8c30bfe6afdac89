import type { ProviderErrorKind } from '@sluice/providers';

export interface ProviderRetryPolicy {
  /** Provider calls per target (the first one included) before giving up on it; rate limits under a deadline are bounded by the deadline instead. */
  maxAttempts: number;
  /** Backoff before the second call; doubles with every further one. */
  baseDelayMs: number;
  /** Cap of the exponential backoff (a provider's retry-after is not capped: the deadline is). */
  maxDelayMs: number;
  /** Fraction of a backoff that is randomised (0..1), so retries of many requests spread out. */
  jitter: number;
  /** Time a call needs at the least: a retry that would start later than this before the deadline is not made. */
  minAttemptMs: number;
}

export const DEFAULT_PROVIDER_RETRY_POLICY: ProviderRetryPolicy = {
  maxAttempts: 5,
  baseDelayMs: 250,
  maxDelayMs: 8_000,
  jitter: 0.5,
  minAttemptMs: 250,
};

export interface FailedAttempt {
  /** Calls made so far on this target, this one included (1-based). */
  attempt: number;
  kind: ProviderErrorKind;
  /** The provider's own wait, for rate_limited answers that carried one. */
  retryAfterMs?: number;
  /** Epoch milliseconds when the failure was seen. */
  now: number;
  /** Epoch milliseconds the request must be answered by; none means only the attempt count bounds retries. */
  deadline?: number;
}

export type StopReason = 'not-retryable' | 'attempts-exhausted' | 'deadline';

export type RetryPlan = { action: 'retry'; delayMs: number } | { action: 'stop'; reason: StopReason };

const RETRYABLE: ReadonlySet<ProviderErrorKind> = new Set(['rate_limited', 'retryable', 'provider_down']);

/**
 * Whether and when to call the provider again after a failure. A rate limit waits exactly as long as
 * the provider asked (plus up to `jitter` of the base delay, so a storm of 429s does not come back in
 * one burst); other transient failures back off exponentially with jitter. No retry is planned that
 * could not start `minAttemptMs` before the deadline: waiting for it would only turn a failure we can
 * report now into the same failure later.
 */
export function planRetry(failure: FailedAttempt, policy: ProviderRetryPolicy, random: () => number = Math.random): RetryPlan {
  if (!RETRYABLE.has(failure.kind)) return { action: 'stop', reason: 'not-retryable' };
  // A rate limit says when to come back, so while a deadline bounds the wait it is not a failure to
  // count: a 429 storm is waited out for as long as the request's deadline allows.
  const boundedByDeadline = failure.kind === 'rate_limited' && failure.deadline !== undefined;
  if (failure.attempt >= policy.maxAttempts && !boundedByDeadline) return { action: 'stop', reason: 'attempts-exhausted' };
  const delayMs = Math.round(
    failure.kind === 'rate_limited' && failure.retryAfterMs !== undefined
      ? failure.retryAfterMs + policy.jitter * policy.baseDelayMs * random()
      : backoffMs(failure.attempt, policy, random),
  );
  if (failure.deadline !== undefined && failure.now + delayMs + policy.minAttemptMs > failure.deadline) {
    return { action: 'stop', reason: 'deadline' };
  }
  return { action: 'retry', delayMs };
}

/** Exponential in the attempt, capped, with `jitter` of it spread evenly around the nominal value. */
export function backoffMs(attempt: number, policy: ProviderRetryPolicy, random: () => number = Math.random): number {
  const nominal = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.min(policy.maxDelayMs, nominal * (1 - policy.jitter + 2 * policy.jitter * random()));
}
