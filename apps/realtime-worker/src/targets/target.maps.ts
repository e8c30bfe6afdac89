import { parseTargetKey, ProviderTarget } from './provider.target';

export type Parsed<T> = { ok: true; value: T } | { ok: false; problems: string[] };

/** What a request's target falls back to once its retries are spent, keyed by `provider:model`. */
export type FallbackMap = ReadonlyMap<string, ProviderTarget>;

/** Provider calls at once for targets whose capacity differs from the default, keyed by `provider:model`. */
export type ConcurrencyMap = ReadonlyMap<string, number>;

function jsonObject(raw: string): Parsed<Record<string, unknown>> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return { ok: false, problems: ['is not valid JSON'] };
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    return { ok: false, problems: ['must be a JSON object'] };
  }
  return { ok: true, value: parsed as Record<string, unknown> };
}

/**
 * `{"openai:gpt-4o": "openai:gpt-4o-mini"}`. A fallback stays with the primary's provider: the
 * request body is the provider's own format, and translating it to another provider's is not
 * something the worker does behind the caller's back.
 */
export function parseFallbackMap(raw: string): Parsed<FallbackMap> {
  const object = jsonObject(raw);
  if (!object.ok) return object;
  const problems: string[] = [];
  const map = new Map<string, ProviderTarget>();
  for (const [from, to] of Object.entries(object.value)) {
    const primary = parseTargetKey(from);
    const fallback = typeof to === 'string' ? parseTargetKey(to) : undefined;
    if (!primary) problems.push(`key "${from}" must be provider:model with provider openai or anthropic`);
    if (!fallback) problems.push(`value of "${from}" must be a "provider:model" string with provider openai or anthropic`);
    if (!primary || !fallback) continue;
    if (primary.provider !== fallback.provider) problems.push(`"${from}" must fall back to a model of the same provider`);
    else if (primary.model === fallback.model) problems.push(`"${from}" must not fall back to itself`);
    else map.set(from, fallback);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: map };
}

/** `{"openai:gpt-4o": 64}`: positive integers. */
export function parseConcurrencyMap(raw: string): Parsed<ConcurrencyMap> {
  const object = jsonObject(raw);
  if (!object.ok) return object;
  const problems: string[] = [];
  const map = new Map<string, number>();
  for (const [key, value] of Object.entries(object.value)) {
    if (!parseTargetKey(key)) problems.push(`key "${key}" must be provider:model with provider openai or anthropic`);
    else if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 10_000) {
      problems.push(`value of "${key}" must be an integer between 1 and 10000`);
    } else map.set(key, value);
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, value: map };
}

/** The parsed value, or an error naming the variable: for values the config already validated at boot. */
export function parsedOrThrow<T>(variable: string, parsed: Parsed<T>): T {
  if (!parsed.ok) throw new Error(`${variable} ${parsed.problems.join('; ')}`);
  return parsed.value;
}
