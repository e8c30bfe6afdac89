import type { LaneRequestV1 } from '@sluice/contracts';
import type { BatchesRepository, BatchRecord, RequestsRepository } from '@sluice/ledger';
import { type BatchAdapter, ProviderError, type ProviderAdapters, type ProviderFailure } from '@sluice/providers';
import type { Logger } from 'pino';
import { itemSubject, submittedEvent } from '../events/batch-events';
import type { AggregatorPublisher } from '../events/aggregator.publisher';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { backoffMs, type Backoff } from '../tracking/poll.schedule';
import type { Sleep } from '@sluice/observability';

export type SubmitOutcome =
  | { kind: 'submitted'; providerBatchId: string }
  /** The provider refused the batch itself (not a transient failure): its items must go another way. */
  | { kind: 'refused'; failure: ProviderFailure }
  /** Stopping began before the batch could be submitted; it stays pending in the ledger and is submitted after a restart. */
  | { kind: 'interrupted' };

export interface SubmitterDeps {
  adapters: Pick<ProviderAdapters, 'batch'>;
  batches: Pick<BatchesRepository, 'markSubmitStarted' | 'markSubmitted' | 'inputPages' | 'subjectPages' | 'getByProviderBatchId' | 'recordProgress'>;
  requests: Pick<RequestsRepository, 'setStatuses'>;
  publisher: Pick<AggregatorPublisher, 'events'>;
  metrics: Pick<AggregatorMetrics, 'submitTook' | 'submitted'>;
  sleep: Sleep;
  clock: () => Date;
  logger: Logger;
  retry: Backoff;
}

/** The metadata key that names Sluice's batch id on the provider's batch (OpenAI keeps it; Anthropic has none). */
export const BATCH_ID_METADATA = 'sluice_batch_id';

/** How far before the recorded submit start a provider's clock may put the batch's creation. */
const CLOCK_SKEW_MS = 60_000;

/**
 * Submits a batch recorded in the ledger: the provider input is the items' stored lines (page by page,
 * streamed to the provider, so no more than a page is ever assembled), creates the provider batch,
 * records its id, and tells every request. Transient failures are retried with backoff for as long
 * as the aggregator runs. A batch whose creation may have reached the provider before a crash (or a
 * timeout) is looked up there first, so it is never created twice.
 */
export class BatchSubmitter {
  constructor(private readonly deps: SubmitterDeps) {}

  /**
   * `announced`: the requests' earlier events (`batched`), published while the input uploads; their
   * `submitted` events wait for it, so each request's events stay in order.
   */
  async submit(batch: BatchRecord, signal: AbortSignal, announced?: Promise<void>): Promise<SubmitOutcome> {
    const adapter = this.deps.adapters.batch(batch.provider);
    let startedBefore = batch.submitStartedAt !== null;
    for (let attempt = 1; ; attempt += 1) {
      if (signal.aborted) return { kind: 'interrupted' };
      const began = Date.now();
      try {
        const existing = startedBefore ? await this.findAtProvider(adapter, batch) : undefined;
        if (existing) {
          this.deps.logger.warn(
            { batchId: batch.id, providerBatchId: existing },
            'batch was already created at the provider; adopting it instead of submitting again',
          );
          await this.recordSubmitted(batch, existing, null, announced);
          return { kind: 'submitted', providerBatchId: existing };
        }
        await this.deps.batches.markSubmitStarted(batch.id);
        startedBefore = true;
        const submitted = await adapter.submit(this.input(adapter, batch), {
          operation: batch.operation,
          model: batch.model,
          metadata: { [BATCH_ID_METADATA]: batch.id },
        });
        await this.recordSubmitted(batch, submitted.batchId, submitted.inputFileId, announced);
        this.deps.logger.info(
          { batchId: batch.id, providerBatchId: submitted.batchId, requests: submitted.requestCount, bytes: submitted.bytes, attempt },
          'batch submitted',
        );
        this.deps.metrics.submitTook(batch.provider, 'submitted', (Date.now() - began) / 1000);
        this.deps.metrics.submitted(batch, submitted.requestCount);
        return { kind: 'submitted', providerBatchId: submitted.batchId };
      } catch (error) {
        if (error instanceof ProviderError && !error.retryable) {
          this.deps.metrics.submitTook(batch.provider, 'failed', (Date.now() - began) / 1000);
          await this.deps.batches.recordProgress(batch.id, { status: 'failed', error: `${error.code ?? error.kind}: ${error.message}`.slice(0, 4000) });
          this.deps.logger.error({ batchId: batch.id, err: error }, 'the provider refused the batch; its requests go another way');
          return { kind: 'refused', failure: error.toFailure() };
        }
        this.deps.metrics.submitTook(batch.provider, 'retry', (Date.now() - began) / 1000);
        const delayMs = error instanceof ProviderError && error.retryAfterMs !== undefined ? error.retryAfterMs : backoffMs(attempt, this.deps.retry);
        this.deps.logger.warn({ batchId: batch.id, attempt, delayMs, err: error }, 'submitting the batch failed; retrying');
        if (!(await this.deps.sleep(delayMs, signal))) return { kind: 'interrupted' };
      }
    }
  }

  /**
   * The batch input, streamed from the ledger page by page: no more than a page is ever held. A page
   * goes out as one chunk: a chunk per line would be a socket write per line. The lines were built as
   * the lane messages were read; an item written without one has it built from its lane message here.
   */
  private async *input(adapter: BatchAdapter, batch: BatchRecord): AsyncGenerator<Buffer> {
    for await (const page of this.deps.batches.inputPages(batch.id)) {
      let text = '';
      for (const item of page) {
        text += item.line ?? adapter.buildLine(item.customId, (item.payload as LaneRequestV1).request.body, batch.operation).toString('utf8');
      }
      yield Buffer.from(text, 'utf8');
    }
  }

  /** Records the provider's id, then tells the batch's requests page by page, so a batch of any size is told without holding it. */
  private async recordSubmitted(batch: BatchRecord, providerBatchId: string, inputFileId: string | null, announced?: Promise<void>): Promise<void> {
    await this.deps.batches.markSubmitted(batch.id, providerBatchId, inputFileId);
    // Telling them failed: the caller reports it; the submission stands.
    await announced?.catch(() => undefined);
    for await (const page of this.deps.batches.subjectPages(batch.id, { status: 'pending' })) {
      const at = this.deps.clock();
      const events = page.map((item) => submittedEvent(itemSubject(item, batch), { id: batch.id, providerBatchId }, at));
      await this.deps.requests.setStatuses(
        page.map((item) => ({ tenant: item.tenant, id: item.requestId })),
        'submitted',
        'batch',
      );
      await this.deps.publisher.events(events);
    }
  }

  /**
   * The provider batch created for this batch before a crash, if any. OpenAI batches carry Sluice's id
   * in their metadata. Anthropic batches carry none: the match is a batch created since the submit
   * began with as many requests, not known to the ledger yet (the earliest such, if several).
   */
  private async findAtProvider(adapter: BatchAdapter, batch: BatchRecord): Promise<string | undefined> {
    const since = new Date((batch.submitStartedAt ?? batch.createdAt).getTime() - CLOCK_SKEW_MS);
    let candidate: string | undefined;
    for await (const summary of adapter.recent(since)) {
      if (summary.metadata !== null) {
        if (summary.metadata[BATCH_ID_METADATA] === batch.id) return summary.batchId;
        continue;
      }
      if (summary.requestCount !== batch.requestCount) continue;
      if (await this.deps.batches.getByProviderBatchId(summary.batchId)) continue;
      // Newest first: the last match seen is the earliest.
      candidate = summary.batchId;
    }
    return adapter.provider === 'anthropic' ? candidate : undefined;
  }
}
