export interface RetryableErrorOptions {
  /** Waits at least this long before the next attempt (e.g. a provider's retry-after). */
  retryAfterMs?: number;
  /** Reported as the dead-letter reason if the retries run out; defaults to RETRIES_EXHAUSTED. */
  code?: string;
  cause?: unknown;
}

/** Thrown by a handler for a failure that may pass on its own: the runner tries the message again. */
export class RetryableError extends Error {
  override readonly name = 'RetryableError';
  readonly retryAfterMs?: number;
  readonly code?: string;

  constructor(message: string, options: RetryableErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.retryAfterMs = options.retryAfterMs;
    this.code = options.code;
  }
}
