import { TRACE_HEADER, parseTraceTimestamp } from './trace.rows';

/**
 * The rule the shipped excerpt (bench/data/azure-llm-2023/) was cut by: every row of both files
 * invoked in these four minutes, unchanged and in file order. A contiguous window, not a sample
 * across the hour, keeps the trace's own arrival pattern (its bursts and gaps) for the replay.
 */
export const EXCERPT_WINDOW = { from: '2023-11-16 18:20:00', to: '2023-11-16 18:24:00' } as const;

/**
 * The lines of one trace file that the excerpt keeps: the header, then the rows invoked in [from, to).
 * Timestamps are compared as text: the format is fixed-width, and seven decimals of a second are
 * finer than a double holds next to an epoch in milliseconds.
 */
export function excerptLines(text: string, window: { from: string; to: string } = EXCERPT_WINDOW): string[] {
  if (parseTraceTimestamp(window.from) === undefined || parseTraceTimestamp(window.to) === undefined || window.to <= window.from) {
    throw new Error(`bad excerpt window ${window.from} .. ${window.to}`);
  }
  const kept = text
    .split(/\r?\n/)
    .slice(1)
    .filter((line) => {
      const timestamp = line.split(',')[0]?.trim() ?? '';
      return parseTraceTimestamp(timestamp) !== undefined && timestamp >= window.from && timestamp < window.to;
    });
  return [TRACE_HEADER, ...kept];
}
