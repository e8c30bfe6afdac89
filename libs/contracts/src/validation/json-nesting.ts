import { ErrorCode } from '../errors/error-code.enum';
import { FieldError } from './validation-outcome';

/**
 * How many levels of arrays and objects one field of a request may hold, the field's own value being
 * the first. JSON.parse builds any depth, but class-transformer, canonicalJson and JSON.stringify
 * walk a value recursively and overflow the stack a few thousand levels down: a request nested 3,000
 * deep threw on every attempt until it was dead-lettered, without a `rejected` event. Provider bodies
 * need a dozen levels (messages, content parts, tool schemas); 64 leaves room for deep tool schemas
 * and keeps every walk far from the stack's limit, envelopes around the request included.
 */
export const MAX_FIELD_NESTING = 64;

/** Whether arrays and objects nest in `value` more than `levels` deep; it never looks further down than that. */
function nestsDeeper(value: unknown, levels: number): boolean {
  if (typeof value !== 'object' || value === null) return false;
  if (levels === 0) return true;
  for (const child of Array.isArray(value) ? value : Object.values(value)) {
    if (nestsDeeper(child, levels - 1)) return true;
  }
  return false;
}

/** An error for each field of `message` that nests deeper than MAX_FIELD_NESTING. */
export function nestingErrors(message: object): FieldError[] {
  return Object.entries(message)
    .filter(([, value]) => nestsDeeper(value, MAX_FIELD_NESTING))
    .map(([field]) => ({
      code: ErrorCode.INVALID_FIELD,
      message: `${field} nests arrays and objects more than ${MAX_FIELD_NESTING} levels deep`,
      field,
    }));
}

/**
 * A copy of `value` in which every array or object below `levels` levels is null: a refused message
 * that nests too deep can still be validated for its other fields and hashed. By default a message's
 * fields keep MAX_FIELD_NESTING levels each, so a message within the limit is copied unchanged.
 */
export function clipNesting(value: unknown, levels = MAX_FIELD_NESTING + 1): unknown {
  if (typeof value !== 'object' || value === null) return value;
  if (levels === 0) return null;
  if (Array.isArray(value)) return value.map((child: unknown) => clipNesting(child, levels - 1));
  // fromEntries defines its keys, so a `__proto__` key stays data instead of replacing the prototype.
  return Object.fromEntries(Object.entries(value).map(([key, child]) => [key, clipNesting(child, levels - 1)]));
}
