import { Expose, Transform } from 'class-transformer';
import { ValidateBy } from 'class-validator';
import { EnvVarSpec, registerEnvVar } from './env-var.registry';

interface EnvVarOptions {
  /** What the variable does; this text is the configuration table of the README. */
  description: string;
  /** Unset without a default is allowed. */
  optional?: boolean;
}

interface EnvVarDefinition<T> extends EnvVarOptions {
  rule: string;
  secret?: EnvVarSpec['secret'];
  /** Turns the raw string into the typed value; returns the raw string untouched when it cannot, so `check` rejects it. */
  parse: (raw: string) => T | string;
  check: (value: unknown) => boolean;
}

/**
 * One decorator per variable does three things the config needs together: exposes the property to
 * class-transformer (so only declared variables are read from the environment), parses the string, and
 * validates it with a single rule, so a bad value yields exactly one message that names the variable.
 */
function envVar<T>(definition: EnvVarDefinition<T>): PropertyDecorator {
  const { description, rule, parse, check } = definition;
  const optional = definition.optional ?? false;
  return (target, key) => {
    if (typeof key !== 'string') throw new TypeError('environment variables are string-named properties');
    registerEnvVar(target.constructor, { name: key, description, rule, optional, secret: definition.secret ?? 'none' });
    Expose()(target, key);
    Transform(({ value }: { value: unknown }) => (typeof value === 'string' ? parse(value.trim()) : value), {
      toClassOnly: true,
    })(target, key);
    ValidateBy({
      name: 'sluiceEnvVar',
      validator: {
        validate: (value: unknown) => (value === undefined ? optional : check(value)),
        defaultMessage: (args?: { value: unknown }) => (args?.value === undefined ? 'is required' : rule),
      },
    })(target, key);
  };
}

const INTEGER = /^-?\d+$/;

export function EnvInt(options: EnvVarOptions & { min: number; max: number }): PropertyDecorator {
  const { min, max } = options;
  return envVar<number>({
    ...options,
    rule: `must be an integer between ${min} and ${max}`,
    parse: (raw) => (INTEGER.test(raw) ? Number(raw) : raw),
    check: (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= min && value <= max,
  });
}

export function EnvString(options: EnvVarOptions & { pattern: RegExp; rule: string; secret?: boolean }): PropertyDecorator {
  const { pattern } = options;
  return envVar<string>({
    ...options,
    secret: options.secret ? 'value' : 'none',
    parse: (raw) => raw,
    check: (value) => typeof value === 'string' && pattern.test(value),
  });
}

export function EnvEnum<E extends string>(options: EnvVarOptions & { values: readonly E[] }): PropertyDecorator {
  const allowed: readonly string[] = options.values;
  return envVar<string>({
    ...options,
    rule: `must be one of ${allowed.join(', ')}`,
    parse: (raw) => raw,
    check: (value) => typeof value === 'string' && allowed.includes(value),
  });
}

/** `true` or `false`, nothing else: a typo such as `ture` fails instead of meaning false. */
export function EnvBool(options: EnvVarOptions): PropertyDecorator {
  return envVar<boolean>({
    ...options,
    rule: 'must be true or false',
    parse: (raw) => (raw === 'true' ? true : raw === 'false' ? false : raw),
    check: (value) => typeof value === 'boolean',
  });
}

/** A comma-separated list; blanks around items and empty items are ignored. */
export function EnvList(options: EnvVarOptions & { itemPattern: RegExp; itemRule: string; secret?: boolean }): PropertyDecorator {
  const { itemPattern } = options;
  return envVar<string[]>({
    ...options,
    secret: options.secret ? 'value' : 'none',
    rule: `must be a comma-separated list of ${options.itemRule}`,
    parse: (raw) =>
      raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== ''),
    check: (value) => Array.isArray(value) && value.length > 0 && value.every((item) => typeof item === 'string' && itemPattern.test(item)),
  });
}

/** A URL whose password is a secret: errors and logs show the URL with the password masked. */
export function EnvUrl(options: EnvVarOptions & { protocols: readonly string[] }): PropertyDecorator {
  const { protocols } = options;
  return envVar<string>({
    ...options,
    secret: 'url-password',
    rule: `must be a URL starting with ${protocols.map((p) => `${p}//`).join(' or ')}`,
    parse: (raw) => raw,
    check: (value) => {
      if (typeof value !== 'string') return false;
      try {
        const url = new URL(value);
        return protocols.includes(url.protocol) && url.hostname !== '';
      } catch {
        return false;
      }
    },
  });
}
