import { ErrorCode } from '@sluice/contracts';
import type { ProviderErrorKind, ProviderFailure } from '@sluice/providers';
import type { StopReason } from '../retry/retry.planner';

/** A failed result's `error`, before it is put into the result. */
export interface WorkerFailure {
  code: ErrorCode;
  message: string;
  /** Whether the same request sent again may succeed: true for load and outages, false for what the provider refused. */
  retryable: boolean;
  providerCode?: string;
  providerRequestId?: string;
}

// The contract's limits (ResultErrorV1): a provider message can be long, a result must stay valid.
const MESSAGE_LIMIT = 4096;
const ID_LIMIT = 256;

const CODE_BY_KIND: Readonly<Record<ProviderErrorKind, ErrorCode>> = {
  rate_limited: ErrorCode.PROVIDER_RATE_LIMITED,
  retryable: ErrorCode.PROVIDER_ERROR,
  provider_down: ErrorCode.PROVIDER_UNAVAILABLE,
  invalid_request: ErrorCode.PROVIDER_INVALID_REQUEST,
  unsupported: ErrorCode.PROVIDER_INVALID_REQUEST,
  auth: ErrorCode.PROVIDER_AUTH,
  model_unknown: ErrorCode.MODEL_UNKNOWN,
  aborted: ErrorCode.PROVIDER_TIMEOUT,
};

const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.PROVIDER_RATE_LIMITED,
  ErrorCode.PROVIDER_ERROR,
  ErrorCode.PROVIDER_UNAVAILABLE,
  ErrorCode.PROVIDER_TIMEOUT,
]);

/**
 * The failure to report once the worker stopped calling the provider. When the deadline stopped the
 * retries the request failed on time, not on the provider, so DEADLINE_EXCEEDED wins and the
 * provider's last error stays in the message, code and request id.
 */
export function providerFailure(error: ProviderFailure, stop: StopReason, attempts: number): WorkerFailure {
  const provider = {
    ...(error.code && { providerCode: error.code.slice(0, ID_LIMIT) }),
    ...(error.providerRequestId && { providerRequestId: error.providerRequestId.slice(0, ID_LIMIT) }),
  };
  if (stop === 'deadline') {
    return {
      code: ErrorCode.DEADLINE_EXCEEDED,
      message: limit(`the deadline left no time to retry ${error.provider} after ${attempts} attempt(s); last error: ${error.message}`),
      retryable: true,
      ...provider,
    };
  }
  const code = error.kind === 'retryable' && error.code === 'timeout' ? ErrorCode.PROVIDER_TIMEOUT : CODE_BY_KIND[error.kind];
  const message = stop === 'attempts-exhausted' ? `${error.provider} failed ${attempts} attempt(s); last error: ${error.message}` : error.message;
  return { code, message: limit(message), retryable: RETRYABLE_CODES.has(code), ...provider };
}

/** The deadline passed before a call could be made (queued in Kafka, or waiting for a provider slot). */
export function deadlineFailure(reason: string): WorkerFailure {
  return { code: ErrorCode.DEADLINE_EXCEEDED, message: limit(reason), retryable: true };
}

function limit(message: string): string {
  return message.length <= MESSAGE_LIMIT ? message : `${message.slice(0, MESSAGE_LIMIT - 1)}…`;
}
