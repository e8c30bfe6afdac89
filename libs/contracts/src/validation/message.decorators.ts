// class-transformer's @Type reads reflected metadata; every message class imports this module first.
import 'reflect-metadata';
import { ClassConstructor, Transform, Type } from 'class-transformer';
import { IsDefined, isISO8601, IsObject, registerDecorator, ValidateIf, ValidateNested, ValidationArguments } from 'class-validator';
import { INSTANT_PATTERN, LOOPBACK_HOSTS, WEBHOOK_URL_MAX_LENGTH } from '../common/patterns';

/**
 * Names of our own constraints. The schema generator reads them from the validation metadata, so
 * a rule declared once on a class shows up in the JSON Schema too.
 */
export const ConstraintNames = {
  IsInstant: 'isInstant',
  HasStringProperty: 'hasStringProperty',
  HasNoProperty: 'hasNoProperty',
  IsWebhookUrl: 'isWebhookUrl',
  IsStringMap: 'isStringMap',
  NotTogetherWith: 'notTogetherWith',
  RequiredWhen: 'requiredWhen',
  InstantBefore: 'instantBefore',
} as const;

type PropertyDecoratorFn = (target: object, propertyName: string) => void;

function compose(...decorators: PropertyDecoratorFn[]): PropertyDecoratorFn {
  return (target, propertyName) => decorators.forEach((decorate) => decorate(target, propertyName));
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Optional, but `null` is not absent: validators run on it and reject it. class-validator's
 * `@IsOptional` would let `null` through, which the JSON Schema (and every consumer's types) forbid.
 */
export function Optional(): PropertyDecoratorFn {
  return ValidateIf((_object: object, value: unknown) => value !== undefined);
}

/**
 * Optional in general, required when `field` holds one of `values` (e.g. `error` when a result failed).
 * The marker constraint records the rule for the schema generator; the ValidateIf enforces it.
 */
export function RequiredWhen(field: string, values: readonly string[]): PropertyDecoratorFn {
  return compose(
    ValidateIf((object: object, value: unknown) => value !== undefined || values.includes(String((object as Record<string, unknown>)[field]))),
    // Nested validation alone accepts a missing object; this makes "required" mean required.
    IsDefined(),
    (target, propertyName) =>
      registerDecorator({
        name: ConstraintNames.RequiredWhen,
        target: target.constructor,
        propertyName,
        constraints: [field, values],
        validator: { validate: () => true },
      }),
  );
}

export function isInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  return isCommonInstant(value) || (INSTANT_PATTERN.test(value) && isISO8601(value, { strict: true, strictSeparator: true }));
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const [DASH, COLON, DOT, T, Z, PLUS, MINUS] = ['-', ':', '.', 'T', 'Z', '+', '-'].map((c) => c.charCodeAt(0));

/** The number written by `count` ASCII digits at `at`, or -1 when one of them is not a digit. */
function digitsAt(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (!(digit >= 0 && digit <= 9)) return -1;
    value = value * 10 + digit;
  }
  return value;
}

/**
 * A shortcut for isInstant, read character by character: true only for instants of INSTANT_PATTERN
 * that validator.js accepts as well (the spec compares the two on every field boundary), false for
 * the rest, which validator.js then decides. Its check costs microseconds, and every message
 * carries several instants. Years 1000–9999 only: below that validator.js reads the date with the
 * legacy Date parser, in the process's time zone.
 */
function isCommonInstant(text: string): boolean {
  const { length } = text;
  if (length < 20 || text.charCodeAt(4) !== DASH || text.charCodeAt(7) !== DASH || text.charCodeAt(10) !== T) return false;
  if (text.charCodeAt(13) !== COLON || text.charCodeAt(16) !== COLON) return false;
  const year = digitsAt(text, 0, 4);
  const month = digitsAt(text, 5, 2);
  const day = digitsAt(text, 8, 2);
  if (year < 1000 || month < 1 || month > 12 || day < 1) return false;
  const leapDay = month === 2 && year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 1 : 0;
  if (day > DAYS_IN_MONTH[month - 1] + leapDay) return false;
  // No hour 24 and no leap second: validator.js refuses both.
  const hour = digitsAt(text, 11, 2);
  const minute = digitsAt(text, 14, 2);
  const second = digitsAt(text, 17, 2);
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return false;
  let at = 19;
  if (text.charCodeAt(at) === DOT) {
    const first = ++at;
    while (at < length && digitsAt(text, at, 1) >= 0) at++;
    if (at === first || at - first > 9) return false;
  }
  if (at === length - 1) return text.charCodeAt(at) === Z;
  const sign = text.charCodeAt(at);
  if (at !== length - 6 || (sign !== PLUS && sign !== MINUS) || text.charCodeAt(at + 3) !== COLON) return false;
  const offsetHours = digitsAt(text, at + 1, 2);
  const offsetMinutes = digitsAt(text, at + 4, 2);
  return offsetHours >= 0 && offsetHours <= 23 && offsetMinutes >= 0 && offsetMinutes <= 59;
}

/**
 * A nested message object. ValidateNested alone would also accept an array of such objects, and
 * @Type is explicit because bundlers that drop decorator metadata (esbuild, tsx) leave nothing to infer.
 */
export function Nested(type: () => ClassConstructor<object>): PropertyDecoratorFn {
  return compose(IsObject(), ValidateNested(), Type(type));
}

/** An instant with an explicit offset (see INSTANT_PATTERN) that is also a real calendar date-time. */
export function IsInstant(): PropertyDecoratorFn {
  return (target, propertyName) =>
    registerDecorator({
      name: ConstraintNames.IsInstant,
      target: target.constructor,
      propertyName,
      validator: {
        validate: isInstant,
        defaultMessage: (args: ValidationArguments) => `${args.property} must be an ISO-8601 date-time with an offset, e.g. 2030-01-01T00:00:00Z`,
      },
    });
}

/**
 * Keeps free-form objects (provider bodies and responses, metadata) as the very object that was
 * parsed, instead of class-transformer's rebuilt copy: fields we do not own reach the provider and
 * the caller exactly as they were sent.
 */
export function PassThrough(): PropertyDecoratorFn {
  return Transform(passThroughTransform);
}

/** One function for every PassThrough, so the compiled validator can tell it from any other transform. */
export function passThroughTransform({ obj, key }: { obj: unknown; key: string }): unknown {
  return (obj as Record<string, unknown>)[key];
}

/**
 * The object has a non-empty string `property`. Errors are reported on `<field>.<property>` (via the
 * `subfield` context), so a caller learns that `body.model` is missing rather than that `body` is wrong.
 */
export function HasStringProperty(property: string, maxLength = 256): PropertyDecoratorFn {
  return (target, propertyName) =>
    registerDecorator({
      name: ConstraintNames.HasStringProperty,
      target: target.constructor,
      propertyName,
      constraints: [property, maxLength],
      options: { context: { subfield: property } },
      validator: {
        // Non-objects are reported by @IsObject; one reason per field is enough.
        validate: (value: unknown) =>
          !isPlainObject(value) ||
          (typeof value[property] === 'string' && (value[property] as string).length > 0 && (value[property] as string).length <= maxLength),
        defaultMessage: (args: ValidationArguments) => `${args.property}.${property} must be a non-empty string of at most ${maxLength} characters`,
      },
    });
}

/**
 * The object does not set `property`, which Sluice sets itself (`reason` says how). Reported on
 * `<field>.<property>`, as HasStringProperty reports its property.
 */
export function HasNoProperty(property: string, reason: string): PropertyDecoratorFn {
  return (target, propertyName) =>
    registerDecorator({
      name: ConstraintNames.HasNoProperty,
      target: target.constructor,
      propertyName,
      constraints: [property],
      options: { context: { subfield: property } },
      validator: {
        validate: (value: unknown) => !isPlainObject(value) || !Object.hasOwn(value, property),
        defaultMessage: (args: ValidationArguments) => `${args.property}.${property} must not be set: ${reason}`,
      },
    });
}

export function isAllowedWebhookUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > WEBHOOK_URL_MAX_LENGTH) return false;
  // Checked on the raw text, not the parsed URL, so the JSON Schema pattern can say exactly the same.
  const https = value.startsWith('https://');
  if (!https && !value.startsWith('http://')) return false;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  if (url.username !== '' || url.password !== '') return false;
  return https || LOOPBACK_HOSTS.includes(url.hostname);
}

/**
 * https only; plain http is accepted for loopback hosts so local receivers work in development and
 * tests without certificates. Credentials in the URL are refused: they would be logged and stored.
 */
export function IsWebhookUrl(): PropertyDecoratorFn {
  return (target, propertyName) =>
    registerDecorator({
      name: ConstraintNames.IsWebhookUrl,
      target: target.constructor,
      propertyName,
      validator: {
        validate: isAllowedWebhookUrl,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} must be an https URL without credentials (http only for ${LOOPBACK_HOSTS.join(', ')}), at most ${WEBHOOK_URL_MAX_LENGTH} characters`,
      },
    });
}

export interface StringMapLimits {
  maxEntries: number;
  keyPattern: RegExp;
  maxValueLength: number;
}

function stringMapProblem(value: unknown, limits: StringMapLimits): string | undefined {
  if (!isPlainObject(value)) return 'must be an object of string values';
  const entries = Object.entries(value);
  if (entries.length > limits.maxEntries) return `must have at most ${limits.maxEntries} entries`;
  for (const [key, entry] of entries) {
    if (!limits.keyPattern.test(key)) return `key "${key.slice(0, 80)}" must match ${limits.keyPattern.source}`;
    if (typeof entry !== 'string') return `.${key} must be a string`;
    if (entry.length > limits.maxValueLength) return `.${key} must be at most ${limits.maxValueLength} characters`;
  }
  return undefined;
}

/** A flat string→string map with bounded size, so carried-through metadata cannot bloat every message. */
export function IsStringMap(limits: StringMapLimits): PropertyDecoratorFn {
  return (target, propertyName) =>
    registerDecorator({
      name: ConstraintNames.IsStringMap,
      target: target.constructor,
      propertyName,
      constraints: [limits],
      validator: {
        validate: (value: unknown) => stringMapProblem(value, limits) === undefined,
        defaultMessage: (args: ValidationArguments) => {
          const problem = stringMapProblem(args.value, limits) ?? '';
          return problem.startsWith('.') ? `${args.property}${problem}` : `${args.property} ${problem}`;
        },
      },
    });
}

/** This property and `other` exclude each other: the message must give at most one of them. */
export function NotTogetherWith(other: string): PropertyDecoratorFn {
  return (target, propertyName) =>
    registerDecorator({
      name: ConstraintNames.NotTogetherWith,
      target: target.constructor,
      propertyName,
      constraints: [other],
      validator: {
        validate: (_value: unknown, args: ValidationArguments) => (args.object as Record<string, unknown>)[other] === undefined,
        defaultMessage: (args: ValidationArguments) => `${args.property} and ${other} are mutually exclusive; give one of them`,
      },
    });
}

/** This instant lies strictly before the instant in `other` (when both are present and valid). */
export function InstantBefore(other: string): PropertyDecoratorFn {
  return (target, propertyName) =>
    registerDecorator({
      name: ConstraintNames.InstantBefore,
      target: target.constructor,
      propertyName,
      constraints: [other],
      validator: {
        validate: (value: unknown, args: ValidationArguments) => {
          const later = (args.object as Record<string, unknown>)[other];
          if (typeof value !== 'string' || typeof later !== 'string') return true;
          const [a, b] = [Date.parse(value), Date.parse(later)];
          return Number.isNaN(a) || Number.isNaN(b) || a < b;
        },
        defaultMessage: (args: ValidationArguments) => `${args.property} must be before ${other}`,
      },
    });
}
