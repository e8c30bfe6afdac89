import type { DlqEntry } from '@sluice/kafka';

function origin(entry: DlqEntry): string {
  if (entry.originalTopic === undefined) return '?';
  return `${entry.originalTopic}[${entry.originalPartition ?? '?'}]@${entry.originalOffset ?? '?'}`;
}

/** One line per entry for a person: place, time, origin, reason, who, why. */
export function formatEntryLine(entry: DlqEntry, disposition?: string): string {
  const who = [entry.tenant && `tenant=${entry.tenant}`, entry.requestId && `request=${entry.requestId}`].filter(Boolean).join(' ') || '-';
  const message = entry.errorMessage.replace(/\s+/g, ' ');
  const columns = [`${entry.partition}/${entry.offset}`, new Date(entry.timestampMs).toISOString(), origin(entry), entry.errorCode, who, message];
  if (disposition !== undefined) columns.push(`[${disposition}]`);
  return columns.join('  ');
}
