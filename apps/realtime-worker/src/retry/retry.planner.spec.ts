import { backoffMs, FailedAttempt, planRetry, ProviderRetryPolicy } from './retry.planner';

const POLICY: ProviderRetryPolicy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000, jitter: 0.5, minAttemptMs: 200 };
const NOW = 1_000_000;
const middle = (): number => 0.5;

function failure(overrides: Partial<FailedAttempt> = {}): FailedAttempt {
  return { attempt: 1, kind: 'retryable', now: NOW, ...overrides };
}

describe('planRetry', () => {
  it('backs off exponentially on transient failures', () => {
    const delays = [1, 2, 3, 4].map((attempt) => planRetry(failure({ attempt }), POLICY, middle));
    expect(delays).toEqual([100, 200, 400, 800].map((delayMs) => ({ action: 'retry', delayMs })));
  });

  it('caps the backoff', () => {
    expect(planRetry(failure({ attempt: 4 }), { ...POLICY, maxDelayMs: 300 }, middle)).toEqual({ action: 'retry', delayMs: 300 });
  });

  it('spreads the backoff by the jitter fraction', () => {
    expect(backoffMs(2, POLICY, () => 0)).toBe(100);
    expect(backoffMs(2, POLICY, () => 1)).toBe(300);
    expect(backoffMs(2, { ...POLICY, jitter: 0 }, () => 1)).toBe(200);
  });

  it('retries provider outages like transient failures', () => {
    expect(planRetry(failure({ kind: 'provider_down' }), POLICY, middle)).toEqual({ action: 'retry', delayMs: 100 });
  });

  it('waits at least the retry-after a rate limit asked for, even beyond the backoff cap', () => {
    for (const random of [() => 0, () => 0.99]) {
      const plan = planRetry(failure({ kind: 'rate_limited', retryAfterMs: 5_000 }), POLICY, random);
      expect(plan.action).toBe('retry');
      if (plan.action === 'retry') {
        expect(plan.delayMs).toBeGreaterThanOrEqual(5_000);
        expect(plan.delayMs).toBeLessThanOrEqual(5_000 + POLICY.baseDelayMs);
      }
    }
  });

  it('backs off on a rate limit that gave no retry-after', () => {
    expect(planRetry(failure({ kind: 'rate_limited', attempt: 2 }), POLICY, middle)).toEqual({ action: 'retry', delayMs: 200 });
  });

  it('never retries what the provider refused', () => {
    for (const kind of ['invalid_request', 'auth', 'model_unknown', 'unsupported', 'aborted'] as const) {
      expect(planRetry(failure({ kind }), POLICY, middle)).toEqual({ action: 'stop', reason: 'not-retryable' });
    }
  });

  it('stops once the attempts are used up', () => {
    expect(planRetry(failure({ attempt: 5 }), POLICY, middle)).toEqual({ action: 'stop', reason: 'attempts-exhausted' });
    expect(planRetry(failure({ attempt: 1 }), { ...POLICY, maxAttempts: 1 }, middle)).toEqual({ action: 'stop', reason: 'attempts-exhausted' });
  });

  it('waits out rate limits past the attempt count while the deadline allows, but not without a deadline', () => {
    const limited = failure({ kind: 'rate_limited', retryAfterMs: 1_000, attempt: 12, deadline: NOW + 60_000 });
    expect(planRetry(limited, POLICY, middle)).toEqual({ action: 'retry', delayMs: 1_025 });
    expect(planRetry({ ...limited, deadline: NOW + 1_100 }, POLICY, middle)).toEqual({ action: 'stop', reason: 'deadline' });
    expect(planRetry({ ...limited, deadline: undefined }, POLICY, middle)).toEqual({ action: 'stop', reason: 'attempts-exhausted' });
  });

  it('does not plan a retry that could not start in time to finish before the deadline', () => {
    // A 1 s retry-after with 1.1 s left leaves less than minAttemptMs for the call itself.
    const tooLate = failure({ kind: 'rate_limited', retryAfterMs: 1_000, deadline: NOW + 1_100 });
    expect(planRetry(tooLate, POLICY, () => 0)).toEqual({ action: 'stop', reason: 'deadline' });
    const inTime = failure({ kind: 'rate_limited', retryAfterMs: 1_000, deadline: NOW + 1_300 });
    expect(planRetry(inTime, POLICY, () => 0)).toEqual({ action: 'retry', delayMs: 1_000 });
  });

  it('stops at once when the deadline has passed', () => {
    expect(planRetry(failure({ deadline: NOW - 1 }), POLICY, middle)).toEqual({ action: 'stop', reason: 'deadline' });
  });

  it('is bounded by attempts alone without a deadline', () => {
    expect(planRetry(failure({ attempt: 4, kind: 'rate_limited', retryAfterMs: 60_000 }), POLICY, () => 0)).toEqual({
      action: 'retry',
      delayMs: 60_000,
    });
  });
});
