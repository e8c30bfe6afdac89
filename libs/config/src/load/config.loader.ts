import { plainToInstance } from 'class-transformer';
import { validateSync, ValidationError } from 'class-validator';
import { redactUrlPassword } from '../redact/url-password.redactor';
import { EnvVarSpec, envVarsOf } from '../schema/env-var.registry';

export type Environment = Record<string, string | undefined>;
export type ConfigClass<T> = new () => T;

/** Thrown at boot when the environment does not satisfy the config class; `problems` has one line per variable. */
export class ConfigValidationError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment: ${problems.join('; ')}`);
    this.name = 'ConfigValidationError';
  }
}

function shown(raw: string, spec: EnvVarSpec | undefined): string {
  switch (spec?.secret) {
    case 'value':
      return '[redacted]';
    case 'url-password':
      return redactUrlPassword(raw);
    default:
      return raw;
  }
}

function describeProblem(error: ValidationError, env: Environment, specs: Map<string, EnvVarSpec>): string {
  const raw = env[error.property];
  const rules = Object.values(error.constraints ?? {}).join(' and ');
  const given = raw === undefined || raw === '' ? 'not set' : `got ${JSON.stringify(shown(raw, specs.get(error.property)))}`;
  return `${error.property} ${rules} (${given})`;
}

/**
 * Reads the variables `cls` declares from `env`, parses and validates them, and returns the instance, or
 * throws a ConfigValidationError naming every wrong variable at once, so one restart fixes them all.
 * An empty value counts as unset (compose files often pass `PORT=${PORT}` through).
 */
export function loadConfig<T extends object>(cls: ConfigClass<T>, env: Environment = process.env): T {
  const plain = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const config = plainToInstance(cls, plain, { excludeExtraneousValues: true, exposeDefaultValues: true });
  const errors = validateSync(config, { forbidUnknownValues: true });
  if (errors.length > 0) {
    const specs = new Map(envVarsOf(cls).map((spec) => [spec.name, spec]));
    throw new ConfigValidationError(errors.map((error) => describeProblem(error, env, specs)));
  }
  return config;
}
