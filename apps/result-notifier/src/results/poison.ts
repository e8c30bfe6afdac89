/**
 * Whether an error may be caused by one message of a batch rather than by the batch's
 * infrastructure: PostgreSQL refusing a value (data exceptions, constraint violations, a row too
 * large) or our own code tripping over one message's content. Such a batch is worth splitting to
 * find the message; a database or broker that is down fails every part alike, so it is not.
 */
export function mayBeOneMessage(error: unknown): boolean {
  if (error instanceof TypeError || error instanceof RangeError) return true;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' && /^(22|23|54)[0-9A-Z]{3}$/.test(code);
}

export type ItemOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs `work` on all items at once; when it fails in a way one item may cause, halves and retries
 * each half, down to single items, so a poison message fails alone and the rest go through
 * (log2(n) extra tries of its neighbours, all idempotent). Other failures fail every item.
 */
export async function isolateFailures<T, R>(items: readonly T[], work: (items: readonly T[]) => Promise<R[]>): Promise<Array<ItemOutcome<R>>> {
  try {
    return (await work(items)).map((value) => ({ ok: true, value }));
  } catch (error) {
    if (items.length === 1 || !mayBeOneMessage(error)) return items.map(() => ({ ok: false, error }));
    const middle = Math.ceil(items.length / 2);
    const first = await isolateFailures(items.slice(0, middle), work);
    const second = await isolateFailures(items.slice(middle), work);
    return [...first, ...second];
  }
}
