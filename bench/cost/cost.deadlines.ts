/**
 * Deadlines drawn from a continuous range on the run's compressed clock. The emulator runs batches
 * `compression` times faster than the providers (a day of batch time in 24 h / compression), so the
 * deadlines' upper end is a compressed day. The lower end is a few seconds of real time: the realtime
 * and async lanes are not compressed (a chat answer takes as long as it takes), so a deadline below
 * their turnaround would only measure the machine.
 */
export interface DeadlineRange {
  minMs: number;
  maxMs: number;
}

export const DAY_MS = 24 * 3_600_000;

export function compressedDayMs(compression: number): number {
  if (!(compression >= 1)) throw new Error(`compression must be >= 1, got ${compression}`);
  return DAY_MS / compression;
}

/** Log-uniform in [minMs, maxMs] for `unit` in [0, 1): as many deadlines between 2 s and 4 s as between 20 s and 40 s. */
export function drawDeadlineMs(unit: number, range: DeadlineRange): number {
  if (!(range.minMs > 0 && range.maxMs >= range.minMs)) throw new Error(`bad deadline range ${range.minMs}..${range.maxMs} ms`);
  if (!(unit >= 0 && unit < 1)) throw new Error(`unit draw must be in [0, 1), got ${unit}`);
  return Math.round(range.minMs * (range.maxMs / range.minMs) ** unit);
}
