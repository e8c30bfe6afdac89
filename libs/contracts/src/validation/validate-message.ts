import { ClassConstructor } from 'class-transformer';
import { ErrorCode } from '../errors/error-code.enum';
import { classValidatorOutcome } from './class-validator.check';
import { ValidationOutcome } from './validation-outcome';

export type { FieldError, ValidationOutcome } from './validation-outcome';

/**
 * Turns an already-parsed JSON value into a validated instance of `cls`, or lists every problem with
 * the dotted path of its field. Never throws for bad input: a bad message is an expected value, not
 * an exception, so one of them can never stop a consumer.
 */
export function validateMessage<T extends object>(cls: ClassConstructor<T>, plain: unknown): ValidationOutcome<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return {
      ok: false,
      errors: [{ code: ErrorCode.VALIDATION_FAILED, message: 'the message must be a JSON object', field: '' }],
    };
  }
  return classValidatorOutcome(cls, plain);
}
