import { ConfigClass } from '../load/config.loader';
import { redactUrlPassword } from '../redact/url-password.redactor';
import { envVarsOf } from '../schema/env-var.registry';

export interface EnvVarDescription {
  name: string;
  /** The default as it would be written in the environment, or null when there is none. */
  default: string | null;
  required: boolean;
  secret: boolean;
  description: string;
  rule: string;
}

function asEnvValue(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  // Defaults are what the variables parse into: strings, numbers, booleans and lists of them.
  return Array.isArray(value) ? value.join(',') : String(value as string | number | boolean);
}

/**
 * Every variable `cls` reads, with its default (read from a default-constructed instance, so subclass
 * overrides show), meaning and rule: the machine-readable source of the README's configuration table.
 */
export function describeConfig<T extends object>(cls: ConfigClass<T>): EnvVarDescription[] {
  const defaults = new cls() as Record<string, unknown>;
  return envVarsOf(cls).map((spec) => {
    const value = asEnvValue(defaults[spec.name]);
    return {
      name: spec.name,
      default: value !== null && spec.secret === 'url-password' ? redactUrlPassword(value) : value,
      required: value === null && !spec.optional,
      secret: spec.secret !== 'none',
      description: spec.description,
      rule: spec.rule,
    };
  });
}

/** The variables as a Markdown table (name, default, meaning), ready to paste into or compare with a README. */
export function configTableMarkdown(rows: readonly EnvVarDescription[]): string {
  const cell = (text: string): string => text.replace(/\|/g, '\\|');
  const lines = rows.map((row) => {
    const fallback = row.default === null ? (row.required ? '_required_' : '_unset_') : `\`${cell(row.default)}\``;
    return `| \`${row.name}\` | ${fallback} | ${cell(row.description)} |`;
  });
  return ['| variable | default | meaning |', '| --- | --- | --- |', ...lines].join('\n');
}
