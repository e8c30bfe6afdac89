import { invalidRequest } from './emulator.error';

/** A page of `items` (newest first) after the cursor id, and whether more follow. */
export function pageAfter<T extends { id: string }>(items: readonly T[], after: string | undefined, limit: number): { page: T[]; hasMore: boolean } {
  let rest = items;
  if (after) {
    const at = items.findIndex((item) => item.id === after);
    rest = at === -1 ? [] : items.slice(at + 1);
  }
  return { page: rest.slice(0, limit), hasMore: rest.length > limit };
}

/** A page before the cursor id (the newer side of a newest-first list). */
export function pageBefore<T extends { id: string }>(items: readonly T[], before: string, limit: number): { page: T[]; hasMore: boolean } {
  const at = items.findIndex((item) => item.id === before);
  const rest = at === -1 ? [] : items.slice(0, at);
  return { page: rest.slice(Math.max(0, rest.length - limit)), hasMore: rest.length > limit };
}

export function parseLimit(raw: unknown, fallback: number, max: number, param = 'limit'): number {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > max) {
    throw invalidRequest(`Invalid '${param}': expected an integer between 1 and ${max}.`, param, 'invalid_value');
  }
  return value;
}
