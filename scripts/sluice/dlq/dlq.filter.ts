import { isInstant, parseDuration } from '@sluice/contracts';
import type { DlqEntry } from '@sluice/kafka';

/** Which entries a dlq command works on; an absent field matches everything. */
export interface DlqFilter {
  reason?: string;
  tenant?: string;
  /** The original topic. */
  topic?: string;
  /** Dead-lettered at or after, in milliseconds since the epoch. */
  sinceMs?: number;
  /** Dead-lettered before. */
  untilMs?: number;
  /** Only these entries, by their place on the dead-letter topic. */
  entries?: ReadonlyArray<{ partition: number; offset: string }>;
}

/**
 * `--since` / `--until`: an ISO-8601 instant, or a duration meaning that long before `nowMs`
 * (`--since 2h`: the last two hours). Undefined when the text is neither.
 */
export function parseTimeBound(text: string, nowMs: number): number | undefined {
  if (isInstant(text)) return Date.parse(text);
  const ms = parseDuration(text);
  return ms === undefined ? undefined : nowMs - ms;
}

export function matchesFilter(entry: DlqEntry, filter: DlqFilter): boolean {
  if (filter.reason !== undefined && entry.errorCode !== filter.reason) return false;
  if (filter.tenant !== undefined && entry.tenant !== filter.tenant) return false;
  if (filter.topic !== undefined && entry.originalTopic !== filter.topic) return false;
  if (filter.sinceMs !== undefined && !(entry.timestampMs >= filter.sinceMs)) return false;
  if (filter.untilMs !== undefined && !(entry.timestampMs < filter.untilMs)) return false;
  if (filter.entries !== undefined && !filter.entries.some((one) => one.partition === entry.partition && one.offset === entry.offset)) return false;
  return true;
}
