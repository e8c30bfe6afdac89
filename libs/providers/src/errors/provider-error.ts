import type { ProviderName } from '../pricing/pricing';

/**
 * What the caller should do about a failure, the same for every provider:
 * - rate_limited: wait `retryAfterMs` (when the provider said) and retry inside the deadline.
 * - retryable: transient (5xx, 408/409, timeouts, dropped connections); bounded retries with backoff.
 * - provider_down: the provider says it cannot serve at all right now (503, 529 overloaded) or nothing
 *   answers at its address; retry later or fall back to another provider.
 * - invalid_request: the provider rejected this request; retrying the same body cannot help.
 * - auth: credentials, permissions, billing or quota; needs an operator, not a retry.
 * - model_unknown: the provider does not serve the requested model.
 * - unsupported: the adapter cannot do this for this provider or model (Anthropic embeddings, flex on a
 *   model without a flex tier); raised before any call is made.
 * - aborted: the caller's own AbortSignal fired (Sluice cancels work whose deadline has passed).
 */
export type ProviderErrorKind = 'rate_limited' | 'retryable' | 'provider_down' | 'invalid_request' | 'auth' | 'model_unknown' | 'unsupported' | 'aborted';

const RETRYABLE_KINDS: ReadonlySet<ProviderErrorKind> = new Set(['rate_limited', 'retryable', 'provider_down']);

/** The fields of a failure that survive serialisation (into a batch result or a Kafka message). */
export interface ProviderFailure {
  kind: ProviderErrorKind;
  provider: ProviderName;
  message: string;
  /** HTTP status when the provider answered; undefined for connection failures and client-side refusals. */
  status?: number;
  /** The provider's own error code or type (`rate_limit_exceeded`, `overloaded_error`, `batch_expired`…). */
  code: string | null;
  /** Kept on every failure so a support ticket with the provider can name the exact call. */
  providerRequestId: string | null;
  /** Only for rate_limited, and only when the provider said how long to wait. */
  retryAfterMs?: number;
}

export class ProviderError extends Error implements ProviderFailure {
  readonly kind: ProviderErrorKind;
  readonly provider: ProviderName;
  readonly status?: number;
  readonly code: string | null;
  readonly providerRequestId: string | null;
  readonly retryAfterMs?: number;

  constructor(failure: ProviderFailure, options?: { cause?: unknown }) {
    super(failure.message, options);
    this.name = 'ProviderError';
    this.kind = failure.kind;
    this.provider = failure.provider;
    this.status = failure.status;
    this.code = failure.code;
    this.providerRequestId = failure.providerRequestId;
    this.retryAfterMs = failure.retryAfterMs;
  }

  get retryable(): boolean {
    return isRetryableKind(this.kind);
  }

  toFailure(): ProviderFailure {
    return {
      kind: this.kind,
      provider: this.provider,
      message: this.message,
      status: this.status,
      code: this.code,
      providerRequestId: this.providerRequestId,
      retryAfterMs: this.retryAfterMs,
    };
  }
}

export function isRetryableKind(kind: ProviderErrorKind): boolean {
  return RETRYABLE_KINDS.has(kind);
}

/**
 * The kind an HTTP status means on its own, for both providers. Callers refine it with the provider's
 * error code first (a model that does not exist, quota exhausted).
 */
export function kindForStatus(status: number): ProviderErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 402 || status === 403) return 'auth';
  if (status === 503 || status === 529) return 'provider_down';
  if (status === 408 || status === 409 || status >= 500) return 'retryable';
  return 'invalid_request';
}

/**
 * `retry-after-ms` first (both SDKs honour it exactly), then `retry-after` as seconds or an HTTP date.
 * `now` is injectable so the HTTP-date form can be tested.
 */
export function retryAfterMsFrom(headers: Headers | undefined, now: () => number = Date.now): number | undefined {
  if (!headers) return undefined;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && ms.trim() !== '' && Number.isFinite(Number(ms)) && Number(ms) >= 0) return Number(ms);
  const after = headers.get('retry-after');
  if (after === null || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now());
}

const UNREACHABLE_CODES: ReadonlySet<string> = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH']);

/** True when a connection error's cause chain shows that nothing answered at the provider's address. */
export function isUnreachable(error: unknown): boolean {
  for (let current: unknown = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && UNREACHABLE_CODES.has(code)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
