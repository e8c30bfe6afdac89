import { ErrorCode } from '../errors/error-code.enum';

export interface FieldError {
  code: ErrorCode;
  message: string;
  /** Dotted path of the offending field (`body.model`, `webhook.url`); empty for the message as a whole. */
  field: string;
}

export type ValidationOutcome<T> = { ok: true; value: T } | { ok: false; errors: FieldError[] };
