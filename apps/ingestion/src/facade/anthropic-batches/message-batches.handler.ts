import type { FacadeBatchRecord } from '@sluice/ledger';
import type { Trace } from '../../accept/accept.ports';
import { BatchJobs } from '../batches/batch-jobs';
import { anthropicFailure, AnthropicFailure } from '../anthropic/anthropic.errors';
import { callDeadline } from '../calls/call.deadline';
import { envelopeOf, MESSAGE_BATCH_ENDPOINT, messageBatchObject, refusedResultLine, requestOf, resultLine } from './message-batch.mapping';

export type BatchAnswer = { ok: true; status: number; body: unknown } | { ok: false; failure: AnthropicFailure };

export interface MessageBatchesDeps {
  batchJobs: BatchJobs;
  clock: () => Date;
  newBatchId: () => string;
}

// Anthropic's batches end within a day; a batch's own deadline may be tighter (X-Sluice-Deadline).
const DAY_MS = 24 * 3_600_000;

function refused(message: string, status = 400, code = 'INVALID_FIELD'): Extract<BatchAnswer, { ok: false }> {
  return { ok: false, failure: anthropicFailure(code, message, { status }) };
}

/**
 * Anthropic's Message Batches over Sluice: the batch's requests are stored as its input file (one
 * `{custom_id, params}` line each) and run as a bulk job of the batch's id, each a Sluice request with
 * the batch's deadline (a day, or the X-Sluice-Deadline it was created with); its counts and
 * results are the job's.
 */
export class MessageBatches {
  constructor(private readonly deps: MessageBatchesDeps) {}

  async create(base: string, tenant: string, json: unknown, deadlineHeader: string | string[] | undefined, trace: Trace): Promise<BatchAnswer> {
    const envelope = envelopeOf(json);
    if (!envelope.ok) return refused(envelope.message);
    const deadline = callDeadline(deadlineHeader, DAY_MS, DAY_MS);
    if (!deadline.ok) return refused(deadline.message);
    const { batchJobs } = this.deps;
    const lines = (async function* (): AsyncGenerator<Buffer> {
      for (const request of envelope.requests) yield Buffer.from(`${JSON.stringify({ custom_id: request.custom_id, params: request.params })}\n`);
    })();
    const stored = await batchJobs.storeFile(tenant, 'message-batch.jsonl', lines);
    if (stored.tooLarge) return refused('the batch is larger than this service takes (INGESTION_FACADE_FILE_MAX_BYTES)', 413);
    await batchJobs.store.completeFile(tenant, stored.id, 'message_batch');
    const createdAt = this.deps.clock();
    const batch = await batchJobs.store.createBatch({
      tenant,
      id: this.deps.newBatchId(),
      endpoint: MESSAGE_BATCH_ENDPOINT,
      inputFileId: stored.id,
      completionWindow: '24h',
      metadata: null,
      deadline: new Date(createdAt.getTime() + deadline.ms),
      createdAt,
    });
    const reply = await batchJobs.run(tenant, batch, (text) => requestOf(text), trace);
    if (reply.status >= 400) {
      const error = 'error' in reply.body ? reply.body.error : { code: 'INTERNAL', message: 'the batch could not be taken in' };
      return refused(error.message, 500, error.code);
    }
    return this.answer(base, batch);
  }

  async retrieve(base: string, tenant: string, id: string): Promise<BatchAnswer> {
    const batch = await this.find(tenant, id);
    return batch === undefined ? this.notFound(id) : this.answer(base, batch);
  }

  async list(base: string, tenant: string, after: string | undefined, limit: number): Promise<BatchAnswer> {
    const found = await this.deps.batchJobs.store.batches(tenant, [MESSAGE_BATCH_ENDPOINT], after, limit + 1);
    const page = found.slice(0, limit);
    const data = await Promise.all(page.map(async (batch) => this.objectOf(base, batch)));
    return { ok: true, status: 200, body: { data, has_more: found.length > limit, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null } };
  }

  async cancel(base: string, tenant: string, id: string): Promise<BatchAnswer> {
    if ((await this.find(tenant, id)) === undefined) return this.notFound(id);
    const batch = await this.deps.batchJobs.store.cancelBatch(tenant, id, this.deps.clock());
    return this.answer(base, batch!);
  }

  /** The batch's results as JSONL, page by page; refused (400-ish) while it still runs, as Anthropic answers. */
  async results(tenant: string, id: string): Promise<{ ok: true; chunks: AsyncIterable<string> } | Extract<BatchAnswer, { ok: false }>> {
    const batch = await this.find(tenant, id);
    if (batch === undefined) return this.notFound(id);
    const object = await this.objectOf('', batch);
    if (object.processing_status !== 'ended')
      return { ok: false, failure: anthropicFailure('INVALID_FIELD', `batch ${id} is still processing; its results come when it has ended`) };
    return { ok: true, chunks: this.resultChunks(tenant, batch) };
  }

  private async *resultChunks(tenant: string, batch: FacadeBatchRecord): AsyncGenerator<string> {
    for await (const page of this.deps.batchJobs.results(tenant, batch.id)) yield page.map((result) => `${resultLine(result)}\n`).join('');
    for await (const line of this.deps.batchJobs.refused(tenant, batch)) yield `${refusedResultLine(line.requestId, line.customId, line.code, line.message)}\n`;
  }

  private async find(tenant: string, id: string): Promise<FacadeBatchRecord | undefined> {
    const batch = await this.deps.batchJobs.store.batch(tenant, id);
    return batch?.endpoint === MESSAGE_BATCH_ENDPOINT ? batch : undefined;
  }

  /** `base`: where the caller reached the facade (`http://host/anthropic`), which results_url points back at. */
  private async objectOf(base: string, batch: FacadeBatchRecord): Promise<Record<string, unknown>> {
    return messageBatchObject(batch, await this.deps.batchJobs.progress(batch), `${base}/v1/messages/batches/${batch.id}/results`);
  }

  private async answer(base: string, batch: FacadeBatchRecord): Promise<BatchAnswer> {
    return { ok: true, status: 200, body: await this.objectOf(base, batch) };
  }

  private notFound(id: string): Extract<BatchAnswer, { ok: false }> {
    return refused(`No message batch found with id '${id}'`, 404, 'NOT_FOUND');
  }
}
