import { ErrorCode, FieldError } from '@sluice/contracts';

export interface ParsedRequestSearch {
  tenant?: string;
  id?: string;
  metadata?: Record<string, string>;
  status?: string;
  limit: number;
}

/** At most this many rows per page of the console: one bounded statement. */
export const MAX_ROWS = 200;
const DEFAULT_ROWS = 50;
const SEARCH_FIELDS = ['tenant', 'id', 'meta', 'status', 'limit'];

function invalid(field: string, message: string, code: ErrorCode = ErrorCode.INVALID_FIELD): { ok: false; error: FieldError } {
  return { ok: false, error: { code, message, field } };
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : undefined;
}

/** `limit` of a console listing: 1 to MAX_ROWS, DEFAULT_ROWS when absent. */
export function parseLimit(value: unknown): { ok: true; limit: number } | { ok: false; error: FieldError } {
  if (value === undefined || value === '') return { ok: true, limit: DEFAULT_ROWS };
  const limit = typeof value === 'string' && /^\d{1,4}$/.test(value) ? Number(value) : NaN;
  if (!(limit >= 1 && limit <= MAX_ROWS)) return invalid('limit', `limit must be a whole number from 1 to ${MAX_ROWS}`);
  return { ok: true, limit };
}

/**
 * The request search of the console: `id`, `tenant`, `status`, and `meta` as `key=value` pairs
 * separated by commas (every pair must match).
 */
export function parseRequestSearch(query: Readonly<Record<string, unknown>>): { ok: true; search: ParsedRequestSearch } | { ok: false; error: FieldError } {
  const unknown = Object.keys(query).find((name) => !SEARCH_FIELDS.includes(name));
  if (unknown !== undefined) return invalid(unknown, `unknown parameter "${unknown}"; the search takes ${SEARCH_FIELDS.join(', ')}`, ErrorCode.UNKNOWN_FIELD);
  for (const field of SEARCH_FIELDS) {
    if (query[field] !== undefined && typeof query[field] !== 'string') return invalid(field, `${field} must be given once`);
  }
  const limit = parseLimit(query.limit);
  if (!limit.ok) return limit;
  let metadata: Record<string, string> | undefined;
  const meta = text(query.meta);
  if (meta !== undefined) {
    metadata = {};
    for (const pair of meta.split(',')) {
      const at = pair.indexOf('=');
      if (at <= 0) return invalid('meta', 'meta must be key=value pairs separated by commas');
      metadata[pair.slice(0, at).trim()] = pair.slice(at + 1).trim();
    }
  }
  return { ok: true, search: { tenant: text(query.tenant), id: text(query.id), status: text(query.status), metadata, limit: limit.limit } };
}
