import type { LimitCheck } from './rate.limiter';

/** OpenAI's reset durations read like Go's: `20ms`, `1.5s`, `6m0s`. */
export function openaiDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${Number(seconds.toFixed(3))}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m${Math.round(seconds - minutes * 60)}s`;
}

export function openaiRateLimitHeaders(check: LimitCheck): Record<string, string> {
  const headers: Record<string, string> = {};
  if (check.requests) {
    headers['x-ratelimit-limit-requests'] = String(check.requests.limit);
    headers['x-ratelimit-remaining-requests'] = String(check.requests.remaining);
    headers['x-ratelimit-reset-requests'] = openaiDuration(check.requests.resetMs);
  }
  if (check.tokens) {
    headers['x-ratelimit-limit-tokens'] = String(check.tokens.limit);
    headers['x-ratelimit-remaining-tokens'] = String(check.tokens.remaining);
    headers['x-ratelimit-reset-tokens'] = openaiDuration(check.tokens.resetMs);
  }
  return headers;
}

/** Anthropic's resets are RFC 3339 instants. */
export function anthropicRateLimitHeaders(check: LimitCheck, now: number = Date.now()): Record<string, string> {
  const headers: Record<string, string> = {};
  const put = (name: string, bucket: LimitCheck['requests']): void => {
    if (!bucket) return;
    headers[`anthropic-ratelimit-${name}-limit`] = String(bucket.limit);
    headers[`anthropic-ratelimit-${name}-remaining`] = String(bucket.remaining);
    headers[`anthropic-ratelimit-${name}-reset`] = new Date(now + bucket.resetMs).toISOString().replace(/\.\d{3}Z$/, 'Z');
  };
  put('requests', check.requests);
  put('tokens', check.tokens);
  return headers;
}

/** retry-after in whole seconds (at least 1, as the spec says) and retry-after-ms exactly. */
export function retryHeaders(retryAfterMs: number): Record<string, string> {
  return {
    'retry-after': String(Math.max(1, Math.ceil(retryAfterMs / 1000))),
    'retry-after-ms': String(Math.max(0, Math.round(retryAfterMs))),
  };
}
