/** An exponential wait between `baseDelayMs` and `maxDelayMs`. */
export interface Backoff {
  baseDelayMs: number;
  maxDelayMs: number;
}

/** The wait before try `attempt + 1`: doubling from the base, capped. */
export function backoffMs(attempt: number, backoff: Backoff): number {
  return Math.min(backoff.maxDelayMs, backoff.baseDelayMs * 2 ** Math.max(0, attempt - 1));
}

/**
 * The wait before the next poll of a batch: back to the shortest as soon as the batch moved (it is
 * working through its lines and may end soon), twice the last one while nothing changes, so hundreds
 * of batches that take hours cost a few requests an hour each.
 */
export function nextPollDelayMs(previousMs: number | undefined, moved: boolean, backoff: Backoff): number {
  if (previousMs === undefined || moved) return backoff.baseDelayMs;
  return Math.min(backoff.maxDelayMs, previousMs * 2);
}

/** Progress is told when the count moved and the last report is old enough, and always at the end. */
export function shouldReportProgress(
  last: { done: number; atMs: number } | undefined,
  done: number,
  nowMs: number,
  intervalMs: number,
  ended: boolean,
): boolean {
  if (last !== undefined && last.done === done) return false;
  if (ended) return true;
  if (intervalMs <= 0) return false;
  return last === undefined ? done > 0 : nowMs - last.atMs >= intervalMs;
}
