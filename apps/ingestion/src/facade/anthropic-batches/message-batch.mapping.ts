import type { InferenceResultV1 } from '@sluice/contracts';
import type { FacadeBatchRecord } from '@sluice/ledger';
import type { BatchProgress } from '../batches/batch-jobs';
import { anthropicErrorBody, anthropicFailure } from '../anthropic/anthropic.errors';

export const CUSTOM_ID_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;
export const MAX_REQUESTS = 100_000;
export const MESSAGE_BATCH_ENDPOINT = '/v1/messages';

/** One request of a Message Batch, as it is stored (a line of the batch's input file) and becomes a Sluice request. */
export interface BatchRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

export type Envelope = { ok: true; requests: BatchRequest[] } | { ok: false; message: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The envelope of a Message Batch, checked at creation as Anthropic checks it (1 to 100,000 requests,
 * each a unique custom_id and an object of params); each request's params are judged when it runs,
 * and fail as that request's `errored` result.
 */
export function envelopeOf(json: unknown): Envelope {
  if (!isObject(json) || !Array.isArray(json.requests)) return { ok: false, message: 'requests: Field required' };
  const requests = json.requests as unknown[];
  if (requests.length === 0 || requests.length > MAX_REQUESTS) return { ok: false, message: `requests: must hold 1 to ${MAX_REQUESTS} requests` };
  const seen = new Set<string>();
  for (const [index, request] of requests.entries()) {
    if (!isObject(request)) return { ok: false, message: `requests.${index}: must be an object` };
    const customId = request.custom_id;
    if (typeof customId !== 'string' || !CUSTOM_ID_PATTERN.test(customId)) {
      return { ok: false, message: `requests.${index}.custom_id: must match ${CUSTOM_ID_PATTERN.source}` };
    }
    if (seen.has(customId)) return { ok: false, message: `requests.${index}.custom_id: ${customId} is used by another request of the batch` };
    seen.add(customId);
    if (!isObject(request.params)) return { ok: false, message: `requests.${index}.params: must be an object` };
  }
  return { ok: true, requests: requests as BatchRequest[] };
}

/** A stored request line as the Sluice request it becomes; `stream` is not a batch's to ask for. */
export function requestOf(text: string): Record<string, unknown> {
  const { custom_id: customId, params } = JSON.parse(text) as BatchRequest;
  const { stream: _stream, ...body } = params;
  return { provider: 'anthropic', operation: 'chat', body, metadata: { 'sluice.facade': 'anthropic.batch', custom_id: customId } };
}

/**
 * Anthropic's MessageBatch object. Every request counts as `processing` until the whole batch has
 * ended, as Anthropic counts; `canceling` for a batch cancelled while lines run (Sluice does not take
 * back requests handed to it: they end, and are delivered, before the batch says `ended`).
 */
export function messageBatchObject(batch: FacadeBatchRecord, progress: BatchProgress, resultsUrl: string): Record<string, unknown> {
  const { job, counts } = progress;
  const total = job?.lines ?? 0;
  const errored = counts.failed + (job?.invalidLines ?? 0);
  const ended = job !== undefined && job.status !== 'receiving' && counts.succeeded + errored >= total;
  const endedAt = ended ? job.updatedAt.toISOString() : null;
  return {
    id: batch.id,
    type: 'message_batch',
    processing_status: ended ? 'ended' : batch.cancelledAt !== null ? 'canceling' : 'in_progress',
    request_counts: ended
      ? { processing: 0, succeeded: counts.succeeded, errored, canceled: 0, expired: 0 }
      : { processing: total, succeeded: 0, errored: 0, canceled: 0, expired: 0 },
    ended_at: endedAt,
    created_at: batch.createdAt.toISOString(),
    expires_at: batch.deadline.toISOString(),
    archived_at: null,
    cancel_initiated_at: batch.cancelledAt?.toISOString() ?? null,
    results_url: ended ? resultsUrl : null,
  };
}

/** One line of a Message Batch's results, with what Sluice adds: the request, the lane that answered and its cost. */
export function resultLine(result: InferenceResultV1): string {
  const customId = result.metadata?.custom_id ?? null;
  const sluice = { request_id: result.id, lane: result.lane, cost_usd: result.cost.usd };
  if (result.status === 'succeeded') return JSON.stringify({ custom_id: customId, result: { type: 'succeeded', message: result.response }, sluice });
  const failure = anthropicFailure(result.error?.code ?? 'INTERNAL', result.error?.message ?? 'the request failed');
  return JSON.stringify({ custom_id: customId, result: { type: 'errored', error: anthropicErrorBody(failure, result.id) }, sluice });
}

/** A results line for a request Sluice refused before it ran. */
export function refusedResultLine(requestId: string, customId: string | null, code: string, message: string): string {
  const failure = anthropicFailure(code, message, { status: 400 });
  return JSON.stringify({ custom_id: customId, result: { type: 'errored', error: anthropicErrorBody(failure, requestId) } });
}
