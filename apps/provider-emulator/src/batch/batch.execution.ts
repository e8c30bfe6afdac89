import { Aborted, sleep, yieldToEventLoop } from './abortable.sleep';
import type { LineReader } from './line.reader';

export interface LineHandler {
  run(line: string, lineNumber: number): Promise<void> | void;
  skip(line: string, reason: SkipReason): Promise<void> | void;
}

export type SkipReason = 'cancelled' | 'expired';
export type Outcome = 'completed' | SkipReason;

export interface Pace {
  total: number;
  startedAt: number;
  /** Lines are spread evenly over this time, so progress counters move as a real batch's do. */
  turnaroundMs: number;
  /** Wall-clock time at which unfinished lines expire (the compressed completion window). */
  deadlineAt: number;
  /** Forced expiry after this many lines; null = none. */
  expireAfterLines: number | null;
}

const TICK_MS = 20;
// Work in slices of a few milliseconds so that a million-line batch never stalls realtime traffic.
const SLICE_MS = 8;

/**
 * Runs the lines of a batch paced over its turnaround, stopping early when it is cancelled, its
 * window closes, or a forced expiry point is reached. The lines it did not run stay unread in
 * `reader` for `skipRemaining`.
 */
export async function executeLines(reader: LineReader, handler: LineHandler, pace: Pace, isCancelled: () => boolean, signal: AbortSignal): Promise<Outcome> {
  let processed = 0;
  for (;;) {
    if (signal.aborted) throw new Aborted();
    if (isCancelled()) return 'cancelled';
    const now = Date.now();
    if (pace.expireAfterLines !== null && processed >= pace.expireAfterLines) return 'expired';
    if (now >= pace.deadlineAt) return 'expired';
    const elapsed = now - pace.startedAt;
    // Line k runs once k/total of the turnaround has passed, never earlier, so a slow batch can be cancelled before any line ran.
    let target = pace.turnaroundMs <= 0 ? pace.total : Math.min(pace.total, Math.floor((pace.total * elapsed) / pace.turnaroundMs));
    if (pace.expireAfterLines !== null) target = Math.min(target, pace.expireAfterLines);
    const sliceEnd = now + SLICE_MS;
    while (processed < target) {
      const line = await reader.next();
      if (line === null) return 'completed';
      await handler.run(line, reader.lineNumber);
      processed += 1;
      if ((processed & 31) === 0 && Date.now() >= sliceEnd) break;
    }
    if (processed >= pace.total) return 'completed';
    if (processed < target) await yieldToEventLoop();
    else await sleep(TICK_MS, signal);
  }
}

/** Feeds every line not yet run to `handler.skip`, in slices. */
export async function skipRemaining(reader: LineReader, handler: LineHandler, reason: SkipReason, signal: AbortSignal): Promise<number> {
  let skipped = 0;
  for (let line = await reader.next(); line !== null; line = await reader.next()) {
    await handler.skip(line, reason);
    skipped += 1;
    if ((skipped & 1023) === 0) {
      if (signal.aborted) throw new Aborted();
      await yieldToEventLoop();
    }
  }
  return skipped;
}
