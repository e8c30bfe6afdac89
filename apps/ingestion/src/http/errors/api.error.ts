import { HttpException } from '@nestjs/common';
import { ErrorCode, FieldError } from '@sluice/contracts';

/**
 * The codes only the HTTP API has: a message is never "not found", Kafka producers are paced by the
 * broker, and a consumer has no client waiting on a deadline (TIMEOUT).
 */
export const HTTP_ONLY_ERROR_CODES = ['NOT_FOUND', 'RATE_LIMITED', 'TIMEOUT'] as const;

/** The codes of HTTP error bodies: the shared ErrorCode values and the HTTP-only ones. */
export type ApiErrorCode = ErrorCode | (typeof HTTP_ONLY_ERROR_CODES)[number];

export interface ApiErrorBody {
  error: { code: ApiErrorCode; message: string; field?: string };
  /** Every problem of a refused submission, one per field. */
  errors?: FieldError[];
}

export interface ApiErrorDetails {
  field?: string;
  errors?: FieldError[];
}

export function apiErrorBody(code: ApiErrorCode, message: string, details: ApiErrorDetails = {}): ApiErrorBody {
  return { error: { code, message, field: details.field }, errors: details.errors };
}

/** An HTTP error with Sluice's body, `{ error: { code, message } }`; Nest's exception filter sends it as is. */
export class ApiError extends HttpException {
  constructor(status: number, code: ApiErrorCode, message: string, details: ApiErrorDetails = {}) {
    super(apiErrorBody(code, message, details), status);
  }

  static notFound(what: string): ApiError {
    return new ApiError(404, 'NOT_FOUND', `${what} not found`);
  }
}
