import { ErrorCode } from '@sluice/contracts';
import type { ProviderErrorKind, ProviderFailure } from './provider-error';

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

/** Batch lines that did not run report these provider codes (see BatchAdapter.results). */
const CODE_BY_BATCH_CODE: Readonly<Record<string, ErrorCode>> = {
  batch_expired: ErrorCode.BATCH_EXPIRED,
  batch_cancelled: ErrorCode.BATCH_CANCELLED,
};

const RETRYABLE_CODES: ReadonlySet<ErrorCode> = new Set([
  ErrorCode.PROVIDER_RATE_LIMITED,
  ErrorCode.PROVIDER_ERROR,
  ErrorCode.PROVIDER_UNAVAILABLE,
  ErrorCode.PROVIDER_TIMEOUT,
  ErrorCode.BATCH_EXPIRED,
  ErrorCode.BATCH_CANCELLED,
]);

// The contract's limits (ResultErrorV1): a provider message can be long, a result must stay valid.
const MESSAGE_LIMIT = 4096;
const ID_LIMIT = 256;

/** A failed result's `error`, before it is put into the result. */
export interface ResultError {
  code: ErrorCode;
  message: string;
  /** Whether the same request sent again may succeed: true for load, outages and lines that never ran. */
  retryable: boolean;
  providerCode?: string;
  providerRequestId?: string;
}

/** Sluice's error code for a provider failure, the same for the realtime and the batch lane. */
export function errorCodeOf(failure: Pick<ProviderFailure, 'kind' | 'code'>): ErrorCode {
  if (failure.code !== null && CODE_BY_BATCH_CODE[failure.code]) return CODE_BY_BATCH_CODE[failure.code]!;
  if (failure.kind === 'retryable' && failure.code === 'timeout') return ErrorCode.PROVIDER_TIMEOUT;
  return CODE_BY_KIND[failure.kind];
}

export function isRetryableCode(code: ErrorCode): boolean {
  return RETRYABLE_CODES.has(code);
}

/** The provider's failure as a result error: its code and request id kept, the message cut to the contract's limit. */
export function resultErrorOf(failure: ProviderFailure, code: ErrorCode = errorCodeOf(failure), message: string = failure.message): ResultError {
  return {
    code,
    message: limitMessage(message),
    retryable: isRetryableCode(code),
    ...(failure.code && { providerCode: failure.code.slice(0, ID_LIMIT) }),
    ...(failure.providerRequestId && { providerRequestId: failure.providerRequestId.slice(0, ID_LIMIT) }),
  };
}

export function limitMessage(message: string): string {
  return message.length <= MESSAGE_LIMIT ? message : `${message.slice(0, MESSAGE_LIMIT - 1)}…`;
}
