import { ClassConstructor, plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { ErrorCode } from '../errors/error-code.enum';
import { FieldError, ValidationOutcome } from './validation-outcome';

// The whitelist makes an unknown or misspelt field an error instead of silently dropped data;
// free-form objects (provider bodies, responses, metadata) are not classes and are not inspected.
const VALIDATOR_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: true },
} as const;

const WHITELIST_CONSTRAINT = 'whitelistValidation';

function codeFor(path: string, missing: boolean, unknown: boolean): ErrorCode {
  if (unknown) return ErrorCode.UNKNOWN_FIELD;
  // The tenant decides where a rejection can be reported, so it gets codes of its own.
  if (path === 'tenant') return missing ? ErrorCode.MISSING_TENANT : ErrorCode.INVALID_TENANT;
  return missing ? ErrorCode.MISSING_FIELD : ErrorCode.INVALID_FIELD;
}

function valueAt(value: unknown, key: string | undefined): unknown {
  if (key === undefined) return value;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
}

function flatten(errors: ValidationError[], prefix: string, out: FieldError[]): void {
  for (const error of errors) {
    const base = prefix === '' ? error.property : `${prefix}.${error.property}`;
    const byPath = new Map<string, { messages: string[]; missing: boolean; unknown: boolean }>();
    const constraints = Object.entries(error.constraints ?? {});
    // "must be an object" already says it; the nested-validation complaint would repeat it.
    const relevant = constraints.length > 1 ? constraints.filter(([name]) => name !== 'nestedValidation') : constraints;
    for (const [constraint, rawMessage] of relevant) {
      const subfield = (error.contexts?.[constraint] as { subfield?: string } | undefined)?.subfield;
      const path = subfield === undefined ? base : `${base}.${subfield}`;
      const unknown = constraint === WHITELIST_CONSTRAINT;
      const missing = !unknown && valueAt(error.value, subfield) === undefined;
      const entry = byPath.get(path) ?? { messages: [], missing, unknown };
      // class-validator names only the last property segment; callers need the full path.
      const message = unknown
        ? `${path} is not a known field`
        : missing
          ? `${path} is required`
          : rawMessage.startsWith(`${error.property}`)
            ? `${base}${rawMessage.slice(error.property.length)}`
            : `${path}: ${rawMessage}`;
      if (!entry.messages.includes(message)) entry.messages.push(message);
      byPath.set(path, entry);
    }
    for (const [path, entry] of byPath) {
      out.push({ code: codeFor(path, entry.missing, entry.unknown), message: entry.messages.join('; '), field: path });
    }
    if (error.children && error.children.length > 0) flatten(error.children, base, out);
  }
}

/**
 * class-validator's own verdict on an object: plainToInstance, then validateSync, every problem
 * with the dotted path of its field. validateMessage asks it when the compiled check refuses a
 * message (so the errors are class-validator's) and for classes the compiled check declines.
 */
export function classValidatorOutcome<T extends object>(cls: ClassConstructor<T>, plain: object): ValidationOutcome<T> {
  const instance = plainToInstance(cls, plain);
  const errors = validateSync(instance, VALIDATOR_OPTIONS);
  if (errors.length === 0) return { ok: true, value: instance };
  const fieldErrors: FieldError[] = [];
  flatten(errors, '', fieldErrors);
  return { ok: false, errors: fieldErrors };
}
