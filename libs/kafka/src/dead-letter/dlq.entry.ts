import type { ProducerBatch } from '../producer/kafka.producer';
import type { ProducerMessage } from '../producer/producer.message';
import type { ConsumedMessage, MessageHeaders } from '../port/message.types';
import { DeadLetterHeader, replayHeaders } from './dead-letter.headers';

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
  const originalTopic = headers[DeadLetterHeader.OriginalTopic];
  return {
    partition: message.partition,
    offset: message.offset,
    timestampMs: Number(message.timestamp),
    originalTopic: originalTopic === undefined || originalTopic === '' ? undefined : originalTopic,
    originalPartition: decimal(headers[DeadLetterHeader.OriginalPartition]),
    originalOffset: headers[DeadLetterHeader.OriginalOffset],
    errorCode: headers[DeadLetterHeader.ErrorCode] || UNKNOWN_REASON,
    errorMessage: headers[DeadLetterHeader.ErrorMessage] ?? '',
    attempts: decimal(headers[DeadLetterHeader.Attempts]),
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

/** One JSON object per entry for a program; the key and value as UTF-8 text. */
export interface DlqEntryJson {
  dlqPartition: number;
  dlqOffset: string;
  time: string;
  originalTopic: string | null;
  originalPartition: number | null;
  originalOffset: string | null;
  code: string;
  message: string;
  attempts: number | null;
  tenant: string | null;
  requestId: string | null;
  disposition: string | null;
  key: string | null;
  value: string | null;
}

export function entryJson(entry: DlqEntry, disposition?: string): DlqEntryJson {
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

export type ReplayableEntry = DlqEntry & { originalTopic: string };

/** An entry that names the topic it came from: only those can be replayed. */
export function isReplayable(entry: DlqEntry): entry is ReplayableEntry {
  return entry.originalTopic !== undefined;
}

/** Back to where it came from: the original key, value and headers, marked with the entry it was. */
export function replayBatches(dlqTopic: string, replayed: readonly ReplayableEntry[]): ProducerBatch[] {
  const byTopic = new Map<string, ProducerMessage[]>();
  for (const entry of replayed) {
    const messages = byTopic.get(entry.originalTopic) ?? [];
    messages.push({ key: entry.key, value: entry.value, headers: replayHeaders(entry.headers, entryName(dlqTopic, entry)) });
    byTopic.set(entry.originalTopic, messages);
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}
