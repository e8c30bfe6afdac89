import { DlqHeaders } from '@sluice/contracts';
import type { ConsumedMessage, MessageHeaders } from '@sluice/kafka';

/** A record of the dead-letter topic, read back: where it sits, where it came from, why it is there. */
export interface DlqEntry {
  partition: number;
  offset: string;
  /** When it was dead-lettered (the record's timestamp), in milliseconds since the epoch. */
  timestampMs: number;
  /** Absent when the record was not written by a dead-letter publisher: nowhere to replay it to. */
  originalTopic?: string;
  originalPartition?: number;
  originalOffset?: string;
  errorCode: string;
  errorMessage: string;
  attempts?: number;
  /** From the value, when it is a JSON object that names them. */
  tenant?: string;
  requestId?: string;
  key: Buffer | null;
  value: Buffer | null;
  headers: MessageHeaders;
}

/** What a record without a reason header is filed under. */
export const UNKNOWN_REASON = 'UNKNOWN';

/** The largest value looked into for a tenant and request id: the DLQ may hold what was too large to handle. */
const MAX_PARSED_BYTES = 1024 * 1024;

function decimal(text: string | undefined): number | undefined {
  return text !== undefined && /^\d{1,15}$/.test(text) ? Number(text) : undefined;
}

function identity(value: Buffer | null): { tenant?: string; requestId?: string } {
  if (value === null || value.length > MAX_PARSED_BYTES) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return {};
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return {};
  const fields = parsed as Record<string, unknown>;
  const text = (field: unknown): string | undefined => (typeof field === 'string' && field !== '' ? field : undefined);
  // Requests carry their id as `id`; results and lane messages as `requestId`.
  return { tenant: text(fields.tenant), requestId: text(fields.requestId) ?? text(fields.id) };
}

export function readDlqEntry(message: ConsumedMessage): DlqEntry {
  const headers = message.headers;
  const originalTopic = headers[DlqHeaders.OriginalTopic];
  return {
    partition: message.partition,
    offset: message.offset,
    timestampMs: Number(message.timestamp),
    originalTopic: originalTopic === undefined || originalTopic === '' ? undefined : originalTopic,
    originalPartition: decimal(headers[DlqHeaders.OriginalPartition]),
    originalOffset: headers[DlqHeaders.OriginalOffset],
    errorCode: headers[DlqHeaders.ErrorCode] || UNKNOWN_REASON,
    errorMessage: headers[DlqHeaders.ErrorMessage] ?? '',
    attempts: decimal(headers[DlqHeaders.Attempts]),
    ...identity(message.value),
    key: message.key,
    value: message.value,
    headers,
  };
}

/** `<dlq topic>/<partition>/<offset>`: how an entry is named in output and in the replay marker header. */
export function entryName(dlqTopic: string, entry: Pick<DlqEntry, 'partition' | 'offset'>): string {
  return `${dlqTopic}/${entry.partition}/${entry.offset}`;
}

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

/** One JSON object per entry for a program; the key and value as UTF-8 text. */
export function entryJson(entry: DlqEntry, disposition?: string): Record<string, unknown> {
  return {
    dlqPartition: entry.partition,
    dlqOffset: entry.offset,
    time: new Date(entry.timestampMs).toISOString(),
    originalTopic: entry.originalTopic ?? null,
    originalPartition: entry.originalPartition ?? null,
    originalOffset: entry.originalOffset ?? null,
    code: entry.errorCode,
    message: entry.errorMessage,
    attempts: entry.attempts ?? null,
    tenant: entry.tenant ?? null,
    requestId: entry.requestId ?? null,
    disposition: disposition ?? null,
    key: entry.key?.toString('utf8') ?? null,
    value: entry.value?.toString('utf8') ?? null,
  };
}
