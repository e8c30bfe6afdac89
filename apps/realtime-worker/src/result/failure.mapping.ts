import { ErrorCode } from '@sluice/contracts';
import { limitMessage, ProviderFailure, ResultError, resultErrorOf } from '@sluice/providers';
import type { StopReason } from '../retry/retry.planner';

/** A failed result's `error`, before it is put into the result. */
export type WorkerFailure = ResultError;

/**
 * The failure to report once the worker stopped calling the provider. When the deadline stopped the
 * retries the request failed on time, not on the provider, so DEADLINE_EXCEEDED wins and the
 * provider's last error stays in the message, code and request id.
 */
export function providerFailure(error: ProviderFailure, stop: StopReason, attempts: number): WorkerFailure {
  if (stop === 'deadline') {
    return {
      ...resultErrorOf(
        error,
        ErrorCode.DEADLINE_EXCEEDED,
        `the deadline left no time to retry ${error.provider} after ${attempts} attempt(s); last error: ${error.message}`,
      ),
      retryable: true,
    };
  }
  const message = stop === 'attempts-exhausted' ? `${error.provider} failed ${attempts} attempt(s); last error: ${error.message}` : error.message;
  return resultErrorOf(error, undefined, message);
}

/** The deadline passed before a call could be made (queued in Kafka, or waiting for a provider slot). */
export function deadlineFailure(reason: string): WorkerFailure {
  return { code: ErrorCode.DEADLINE_EXCEEDED, message: limitMessage(reason), retryable: true };
}
