import { HttpException } from '@nestjs/common';
import { ErrorCode, FieldError } from '@sluice/contracts';

/**
 * The codes of HTTP error bodies: the shared ErrorCode values, and NOT_FOUND and RATE_LIMITED, which
 * only the HTTP API has (a message is never "not found", and Kafka producers are paced by the broker).
 */
export type ApiErrorCode = ErrorCode | 'NOT_FOUND' | 'RATE_LIMITED';

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
