import { createHash } from 'node:crypto';

/** JSON with object keys sorted, so two bodies that differ only in key order hash the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export interface CacheKeyInput {
  tenant: string;
  provider: string;
  operation: string;
  body: unknown;
  /** A shared entry may answer any tenant; a private one only its own. */
  shared: boolean;
}

/**
 * The content hash that identifies an identical request, for the cache and for coalescing work in
 * flight. The scope is part of the key, so a private entry can never answer another tenant.
 */
export function cacheKey({ tenant, provider, operation, body, shared }: CacheKeyInput): string {
  const scope = shared ? '*' : tenant;
  return createHash('sha256').update(`${scope}\u0000${provider}\u0000${operation}\u0000${canonicalJson(body)}`).digest('hex');
}
