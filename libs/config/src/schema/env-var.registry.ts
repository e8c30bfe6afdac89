/** What the configuration knows about one environment variable, beyond its TypeScript type. */
export interface EnvVarSpec {
  name: string;
  description: string;
  /** The rule a value must satisfy, phrased to follow the variable's name: "must be an integer between 1 and 65535". */
  rule: string;
  /** A secret's value never appears in errors or logs as given (URLs keep everything but the password). */
  secret: 'none' | 'value' | 'url-password';
  /** Optional variables may stay unset even without a default. */
  optional: boolean;
}

// Keyed by class: a subclass sees its own variables plus every ancestor's, as with class-validator's metadata.
const specsByClass = new WeakMap<object, Map<string, EnvVarSpec>>();

export function registerEnvVar(cls: object, spec: EnvVarSpec): void {
  let specs = specsByClass.get(cls);
  if (!specs) {
    specs = new Map();
    specsByClass.set(cls, specs);
  }
  specs.set(spec.name, spec);
}

/** Every variable declared on `cls` and its ancestors, ancestors first, in declaration order. */
export function envVarsOf(cls: abstract new (...args: never[]) => unknown): EnvVarSpec[] {
  const chain: object[] = [];
  for (let c: object | null = cls; c && c !== Function.prototype; c = Object.getPrototypeOf(c) as object | null) chain.unshift(c);
  const merged = new Map<string, EnvVarSpec>();
  for (const c of chain) for (const [name, spec] of specsByClass.get(c) ?? []) merged.set(name, spec);
  return [...merged.values()];
}
