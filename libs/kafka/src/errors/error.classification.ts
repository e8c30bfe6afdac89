import { FailureCode } from './failure.codes';
import { NonRetryableError } from './non-retryable.error';
import { RetryableError } from './retryable.error';

export type ErrorClass =
  | { kind: 'retryable'; code: string; retryAfterMs?: number }
  | { kind: 'non-retryable'; code: string }
  /** Not one of ours: probably a bug, retried like a retryable one in case it is transient. */
  | { kind: 'unexpected'; code: string }
  /** A dependency is down (database, broker): retried for as long as it lasts, never dead-lettered. */
  | { kind: 'outage'; code: string };

/**
 * The name of @sluice/contracts' DependencyUnavailableError (thrown by the ledger and the Kafka
 * driver when the database or the broker cannot be reached), matched by name so that a handler may
 * report an outage with any error of that name, not only an instance of that one class.
 */
const OUTAGE_ERROR_NAME = 'DependencyUnavailableError';

/** Whether `error`, or an error it was caused by, says a dependency is unavailable. */
function isOutage(error: unknown): boolean {
  let current: unknown = error;
  // A few levels: a handler may wrap what the ledger threw; a cycle must not loop forever.
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current.name === OUTAGE_ERROR_NAME) return true;
    current = current.cause;
  }
  return false;
}

export function classifyError(error: unknown): ErrorClass {
  if (isOutage(error)) {
    return { kind: 'outage', code: FailureCode.DependencyUnavailable };
  }
  if (error instanceof NonRetryableError) {
    return { kind: 'non-retryable', code: error.code };
  }
  if (error instanceof RetryableError) {
    return { kind: 'retryable', code: error.code ?? FailureCode.RetriesExhausted, retryAfterMs: error.retryAfterMs };
  }
  return { kind: 'unexpected', code: FailureCode.UnexpectedError };
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error) ?? String(error);
  } catch {
    return String(error);
  }
}
