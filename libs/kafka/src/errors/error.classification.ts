import { FailureCode } from './failure.codes';
import { NonRetryableError } from './non-retryable.error';
import { RetryableError } from './retryable.error';

export type ErrorClass =
  | { kind: 'retryable'; code: string; retryAfterMs?: number }
  | { kind: 'non-retryable'; code: string }
  /** Not one of ours: probably a bug, retried like a retryable one in case it is transient. */
  | { kind: 'unexpected'; code: string };

export function classifyError(error: unknown): ErrorClass {
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
