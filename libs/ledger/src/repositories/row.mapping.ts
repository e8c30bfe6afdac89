/** pg returns `numeric` and `bigint` as strings (they may exceed a double); ours fit, so read them as numbers. */
export function toNumber(value: string | number | null): number | null {
  return value === null ? null : Number(value);
}

export function toInstant(value: Date | string | null | undefined): Date | null {
  if (value === null || value === undefined) return null;
  return value instanceof Date ? value : new Date(value);
}

/** Splits bulk writes so one statement never carries an unbounded array. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
