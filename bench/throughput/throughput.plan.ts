import { LaneTopics } from '@sluice/contracts';
import { chatBody, embeddingBody } from '../workload/trace.requests';
import type { TraceRow } from '../workload/trace.rows';

export const CHAT_DEADLINE_MS = 15 * 60_000;
export const EMBEDDING_DEADLINE_MS = 48 * 60 * 60_000;

export interface PlannedKind {
  operation: 'chat' | 'embedding';
  deadlineMs: number;
  /** The lane topic the policy's estimates send it to: 15 minutes is over the async estimate (5 min), 48 h over the batch one (6 h). */
  laneTopic: string;
}

const CHAT: PlannedKind = { operation: 'chat', deadlineMs: CHAT_DEADLINE_MS, laneTopic: LaneTopics.async };
const EMBEDDING: PlannedKind = { operation: 'embedding', deadlineMs: EMBEDDING_DEADLINE_MS, laneTopic: LaneTopics.batch };

/** Chat for a `chatShare` of the indexes, spread evenly (not in blocks), embeddings for the rest. */
export function kindOf(index: number, chatShare: number): PlannedKind {
  return Math.floor((index + 1) * chatShare) > Math.floor(index * chatShare) ? CHAT : EMBEDDING;
}

/** Request ids are `<runId>-<index>`: a reader learns the index from the key alone. */
export function requestId(runId: string, index: number): string {
  return `${runId}-${index}`;
}

export function indexOf(runId: string, key: string): number | undefined {
  if (!key.startsWith(`${runId}-`)) return undefined;
  const text = key.slice(runId.length + 1);
  if (!/^\d{1,9}$/.test(text)) return undefined;
  return Number(text);
}

/**
 * Request `index` of the run as a producer puts it on sluice.requests.v1: the trace row's sizes
 * (rows cycle when the run is longer than the trace), a chat for the async lane or an embedding for
 * the batch lane, its deadline counted from `nowMs`.
 */
export function plannedRequest(
  runId: string,
  tenant: string,
  index: number,
  rows: readonly TraceRow[],
  chatShare: number,
  nowMs: number,
): { key: string; value: string } {
  const row = rows[index % rows.length] as TraceRow;
  const kind = kindOf(index, chatShare);
  const id = requestId(runId, index);
  const body = kind.operation === 'chat' ? chatBody(row, id) : embeddingBody(row, id);
  const request = {
    id,
    tenant,
    provider: 'openai',
    operation: kind.operation,
    mode: 'auto',
    body,
    deadline: new Date(nowMs + kind.deadlineMs).toISOString(),
  };
  return { key: id, value: JSON.stringify(request) };
}

/**
 * The stamps a lane message carries: ingestion's receipt time and the router's decision time. Read
 * from the end of the text, where they are, without parsing a prompt of several kilobytes.
 */
export function laneStamps(text: string): { receivedAt?: number; routedAt?: number } {
  const instant = (field: string): number | undefined => {
    const marker = `"${field}":"`;
    const at = text.lastIndexOf(marker);
    if (at === -1) return undefined;
    const start = at + marker.length;
    const end = text.indexOf('"', start);
    const value = Date.parse(text.slice(start, end));
    return Number.isNaN(value) ? undefined : value;
  };
  return { receivedAt: instant('receivedAt'), routedAt: instant('routedAt') };
}
