import { AttemptResult, decideAttempt, isPermanentRefusal, parseRetryAfter, retryDelayMs, WebhookRetryPolicy } from './webhook.retry-policy';

const policy: WebhookRetryPolicy = { maxAttempts: 6, baseDelayMs: 30_000, maxDelayMs: 3_600_000 };
const now = new Date('2030-01-01T00:00:00Z');
const serverError: AttemptResult = { kind: 'response', status: 500 };

function retryAfterMsOf(result: AttemptResult, attempt: number, p: WebhookRetryPolicy = policy): number {
  const decision = decideAttempt(result, attempt, p, now);
  if (decision.outcome !== 'retry') throw new Error(`expected a retry, got ${decision.outcome}`);
  return decision.retryAt.getTime() - now.getTime();
}

describe('webhook retry schedule', () => {
  it('doubles the wait after each failure, from the base delay', () => {
    expect([1, 2, 3, 4, 5].map((attempt) => retryAfterMsOf(serverError, attempt))).toEqual([30_000, 60_000, 120_000, 240_000, 480_000]);
  });

  it('gives up after the last attempt, keeping the status and the reason', () => {
    expect(decideAttempt({ kind: 'response', status: 503, detail: 'down for maintenance' }, 6, policy, now)).toEqual({
      outcome: 'dead',
      statusCode: 503,
      error: 'HTTP 503: down for maintenance (attempt 6 of 6)',
    });
  });

  it('caps every wait at the maximum delay', () => {
    const capped: WebhookRetryPolicy = { maxAttempts: 20, baseDelayMs: 1_000, maxDelayMs: 5_000 };
    expect([1, 2, 3, 4, 10].map((attempt) => retryDelayMs(capped, attempt))).toEqual([1_000, 2_000, 4_000, 5_000, 5_000]);
  });

  it("waits for a receiver's Retry-After when it asks for longer, but never beyond the cap", () => {
    expect(retryAfterMsOf({ kind: 'response', status: 429, retryAfterMs: 90_000 }, 1)).toBe(90_000);
    expect(retryAfterMsOf({ kind: 'response', status: 429, retryAfterMs: 1_000 }, 1)).toBe(30_000);
    expect(retryAfterMsOf({ kind: 'response', status: 503, retryAfterMs: 86_400_000 }, 1)).toBe(3_600_000);
  });

  it('retries network errors and timeouts', () => {
    expect(decideAttempt({ kind: 'error', error: 'ECONNREFUSED: connect ECONNREFUSED' }, 1, policy, now)).toEqual({
      outcome: 'retry',
      statusCode: null,
      error: 'ECONNREFUSED: connect ECONNREFUSED',
      retryAt: new Date(now.getTime() + 30_000),
    });
  });
});

describe('webhook response classification', () => {
  it('counts any 2xx as delivered', () => {
    for (const status of [200, 201, 202, 204]) {
      expect(decideAttempt({ kind: 'response', status }, 1, policy, now)).toEqual({ outcome: 'delivered', statusCode: status });
    }
  });

  it('retries server errors and the 4xx that mean "not now"', () => {
    for (const status of [500, 502, 503, 504, 408, 425, 429]) {
      expect(decideAttempt({ kind: 'response', status }, 1, policy, now).outcome).toBe('retry');
    }
  });

  it('gives up at once on a refusal or a redirect: the same request would get the same answer', () => {
    for (const status of [400, 401, 403, 404, 410, 413, 422, 301, 302, 307]) {
      expect(isPermanentRefusal(status)).toBe(true);
      expect(decideAttempt({ kind: 'response', status }, 1, policy, now)).toEqual({
        outcome: 'dead',
        statusCode: status,
        error: `HTTP ${status} (not retried)`,
      });
    }
  });

  it('gives up at once on a destination webhooks may not reach: nothing was sent, and retrying would not change where it points', () => {
    const refused: AttemptResult = { kind: 'refused', error: 'webhook.url must not point at an internal address (10.0.0.1)' };
    expect(decideAttempt(refused, 1, policy, now)).toEqual({
      outcome: 'dead',
      statusCode: null,
      error: 'webhook.url must not point at an internal address (10.0.0.1) (not sent)',
    });
  });
});

describe('Retry-After', () => {
  it('reads seconds and HTTP dates', () => {
    expect(parseRetryAfter('120', now)).toBe(120_000);
    expect(parseRetryAfter('Tue, 01 Jan 2030 00:01:00 GMT', now)).toBe(60_000);
  });

  it('ignores what is absent or unreadable, and treats a past date as now', () => {
    expect(parseRetryAfter(null, now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('Mon, 31 Dec 2029 00:00:00 GMT', now)).toBe(0);
  });
});
