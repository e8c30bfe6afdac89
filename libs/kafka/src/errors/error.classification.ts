import { FailureCode } from './failure.codes';
import { NonRetryableError } from './non-retryable.error';
import { RetryableError } from './retryable.error';

export type ErrorClass =
  | { kind: 'retryable'; code: string; retryAfterMs?: number }
  | { kind: 'non-retryable'; code: string }
  /** Not one of ours: probably a bug, retried like a retryable one in case it is transient. */
  | { kind: 'unexpected'; code: string }
  /** A dependency is down (database, broker): retried for as long as it lasts, never dead-lettered. */
  | { kind: 'outage'; code: string; dependency: string; reason: string };

/**
 * The name of @sluice/contracts' DependencyUnavailableError (thrown by the ledger and the Kafka
 * driver when the database or the broker cannot be reached), matched by name so that a handler may
 * report an outage with any error of that name, not only an instance of that one class.
 */
const OUTAGE_ERROR_NAME = 'DependencyUnavailableError';

/** The error in `error`'s chain of causes that says a dependency is unavailable, if any. */
function outageIn(error: unknown): Error | undefined {
  let current: unknown = error;
  // A few levels: a handler may wrap what the ledger threw; a cycle must not loop forever.
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    if (current.name === OUTAGE_ERROR_NAME) return current;
    current = current.cause;
  }
  return undefined;
}

export function classifyError(error: unknown): ErrorClass {
  const outage = outageIn(error);
  if (outage) {
    const dependency = (outage as { dependency?: unknown }).dependency;
    return {
      kind: 'outage',
      code: FailureCode.DependencyUnavailable,
      dependency: typeof dependency === 'string' ? dependency : 'a dependency',
      reason: outage.message,
    };
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
