export interface WebhookRetryPolicy {
  /** Attempts per delivery, the first included. */
  maxAttempts: number;
  /** Wait after the first failed attempt; it doubles after each further failure. */
  baseDelayMs: number;
  /** Cap on any wait, a receiver's Retry-After included. */
  maxDelayMs: number;
}

/** What one POST came back with; `refused`: not sent, the destination is one webhooks may not reach. */
export type AttemptResult =
  { kind: 'response'; status: number; retryAfterMs?: number; detail?: string } | { kind: 'error'; error: string } | { kind: 'refused'; error: string };

export type AttemptDecision =
  | { outcome: 'delivered'; statusCode: number }
  | { outcome: 'retry'; statusCode: number | null; error: string; retryAt: Date }
  | { outcome: 'dead'; statusCode: number | null; error: string };

/**
 * The wait after the `failedAttempts`-th failure: base, 2×base, 4×base… capped. Deterministic on
 * purpose: deliveries are created at different times, so their retries are already spread out.
 */
export function retryDelayMs(policy: WebhookRetryPolicy, failedAttempts: number): number {
  return Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, failedAttempts - 1));
}

/**
 * A status the same request will keep getting: the receiver understood it and refused it (4xx), or
 * sent it elsewhere (3xx, never followed: the target would bypass the URL checks the request passed).
 * Except 408 and 429, which say "not now", and 425 (too early), which says "later".
 */
export function isPermanentRefusal(status: number): boolean {
  if (status >= 300 && status < 400) return true;
  return status >= 400 && status < 500 && status !== 408 && status !== 425 && status !== 429;
}

/** Turns the `attempt`-th attempt's result (1-based) into what the ledger records next. */
export function decideAttempt(result: AttemptResult, attempt: number, policy: WebhookRetryPolicy, now: Date): AttemptDecision {
  if (result.kind === 'response' && result.status >= 200 && result.status < 300) return { outcome: 'delivered', statusCode: result.status };
  if (result.kind === 'refused') return { outcome: 'dead', statusCode: null, error: `${result.error} (not sent)` };
  const statusCode = result.kind === 'response' ? result.status : null;
  const error = result.kind === 'response' ? describeStatus(result.status, result.detail) : result.error;
  if (statusCode !== null && isPermanentRefusal(statusCode)) return { outcome: 'dead', statusCode, error: `${error} (not retried)` };
  if (attempt >= policy.maxAttempts) return { outcome: 'dead', statusCode, error: `${error} (attempt ${attempt} of ${policy.maxAttempts})` };
  const backoff = retryDelayMs(policy, attempt);
  const hinted = result.kind === 'response' ? (result.retryAfterMs ?? 0) : 0;
  const delay = Math.min(policy.maxDelayMs, Math.max(backoff, hinted));
  return { outcome: 'retry', statusCode, error, retryAt: new Date(now.getTime() + delay) };
}

function describeStatus(status: number, detail: string | undefined): string {
  return detail ? `HTTP ${status}: ${detail}` : `HTTP ${status}`;
}

/** Retry-After as seconds or an HTTP date, in milliseconds from `now`; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null, now: Date): number | undefined {
  if (value === null || value.trim() === '') return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now.getTime());
}
