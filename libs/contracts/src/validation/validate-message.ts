import { ClassConstructor } from 'class-transformer';
import { ErrorCode } from '../errors/error-code.enum';
import { classValidatorOutcome } from './class-validator.check';
import { compiledContract } from './fast-path/compiled-contract';
import { ValidationOutcome } from './validation-outcome';

export type { FieldError, ValidationOutcome } from './validation-outcome';

/**
 * Turns an already-parsed JSON value into a validated instance of `cls`, or lists every problem with
 * the dotted path of its field. Never throws for bad input: a bad message is an expected value, not
 * an exception, so one of them can never stop a consumer.
 *
 * The class-validator decorators are the contract. A valid message is recognised by a check
 * compiled once per class from their metadata (fast-path/): it accepts only what class-validator
 * accepts and returns the instance plainToInstance would build. Anything it does not accept is
 * handed to class-validator itself, so the errors are exactly class-validator's.
 */
export function validateMessage<T extends object>(cls: ClassConstructor<T>, plain: unknown): ValidationOutcome<T> {
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) {
    return {
      ok: false,
      errors: [{ code: ErrorCode.VALIDATION_FAILED, message: 'the message must be a JSON object', field: '' }],
    };
  }
  const value = compiledContract(cls)?.(plain as Record<string, unknown>);
  return value !== undefined ? { ok: true, value } : classValidatorOutcome(cls, plain);
}
