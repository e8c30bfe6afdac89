import { ErrorCode } from '../errors/error-code.enum';
import { MAX_OUTPUT_TOKENS_LIMIT } from '../common/patterns';
import type { FieldError } from '../validation/validation-outcome';

/** OpenAI's own limit on choices per chat completion. */
const MAX_CHOICES = 128;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(field: string, message: string): FieldError {
  return { code: ErrorCode.INVALID_FIELD, message: `${field} ${message}`, field };
}

/**
 * Keys class-transformer and the whitelist treat as the object's own machinery rather than data
 * (`__proto__`, `constructor`, …): they pass the whitelist unreported and are dropped on the way in,
 * so a request would be accepted without what it said.
 */
function prototypeKeyErrors(plain: Record<string, unknown>): FieldError[] {
  return Object.keys(plain)
    .filter((key) => key in Object.prototype)
    .map((key) => ({ code: ErrorCode.UNKNOWN_FIELD, message: `${key} is not a known field`, field: key }));
}

/** What the body needs for Sluice to price and route it; the rest of it is the provider's to judge. */
function bodyErrors(body: Record<string, unknown>, operation: unknown): FieldError[] {
  const errors: FieldError[] = [];
  // Each choice is generated and billed: routing plans the output once per choice, and the bill is the
  // provider's reported usage, so any count the provider takes is priced; a count it refuses is refused here.
  if (Object.hasOwn(body, 'n') && !(Number.isInteger(body.n) && (body.n as number) >= 1 && (body.n as number) <= MAX_CHOICES)) {
    errors.push(invalid('body.n', `must be a whole number of choices from 1 to ${MAX_CHOICES}`));
  }
  // The output limit sizes the cost estimate the lane is chosen by.
  for (const field of ['max_tokens', 'max_completion_tokens']) {
    const value = body[field];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_OUTPUT_TOKENS_LIMIT)) {
      errors.push(invalid(`body.${field}`, `must be a whole number of tokens from 1 to ${MAX_OUTPUT_TOKENS_LIMIT}`));
    }
  }
  // The input is what the estimate counts; without it in its place, there is nothing to price.
  if (operation === 'chat') {
    if (body.messages === undefined) errors.push({ code: ErrorCode.MISSING_FIELD, message: 'body.messages is required', field: 'body.messages' });
    else if (!Array.isArray(body.messages)) errors.push(invalid('body.messages', 'must be an array of messages'));
  } else if (operation === 'embedding') {
    if (body.input === undefined) errors.push({ code: ErrorCode.MISSING_FIELD, message: 'body.input is required', field: 'body.input' });
    else if (typeof body.input !== 'string' && !Array.isArray(body.input)) errors.push(invalid('body.input', 'must be a string or an array'));
  }
  return errors;
}

/**
 * The rules of a request that span fields or reach into the provider's body, which the contract's
 * decorators cannot say: checked on every request from outside Sluice, after the decorators.
 */
export function requestRuleErrors(plain: Record<string, unknown>): FieldError[] {
  const errors = prototypeKeyErrors(plain);
  if (isPlainObject(plain.body)) errors.push(...bodyErrors(plain.body, plain.operation));
  if (plain.stream === true && plain.operation === 'embedding')
    errors.push(invalid('stream', 'may only be true for a chat completion: an embedding has no tokens to stream'));
  return errors;
}
