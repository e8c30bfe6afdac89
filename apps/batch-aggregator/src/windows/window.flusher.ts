import type { HoldOutcome } from '@sluice/kafka';
import type { BatchesRepository, BatchRecord, RecordedBatch, RequestsRepository } from '@sluice/ledger';
import type { Sleep } from '@sluice/observability';
import type { Logger } from 'pino';
import { batchedEvent } from '../events/batch-events';
import type { AggregatorPublisher } from '../events/aggregator.publisher';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { newBatchId } from '../results/batch.resolver';
import { laneDeadlineOf } from '../results/batch-result.builder';
import type { BatchSubmitter } from '../submit/batch.submitter';
import type { BatchTracker } from '../tracking/batch.tracker';
import { type Backoff, backoffMs } from '../tracking/poll.schedule';
import type { WindowEntry, WindowKey } from './batch-window';
import type { ClosedWindow } from './window.book';

/** How a lane message waiting in a window is released: its offset is committed once it is `durable`. */
export interface Hold {
  settle(outcome: HoldOutcome): void;
}

export interface FlusherDeps {
  batches: Pick<BatchesRepository, 'create' | 'get'>;
  requests: Pick<RequestsRepository, 'setStatuses'>;
  publisher: Pick<AggregatorPublisher, 'events'>;
  submitter: Pick<BatchSubmitter, 'submit'>;
  tracker: Pick<BatchTracker, 'adopt'>;
  metrics: Pick<AggregatorMetrics, 'windowClosed'>;
  sleep: Sleep;
  clock: () => Date;
  logger: Logger;
  retry: Backoff;
}

/**
 * Turns a closed window into a provider batch: records the batch and its items in the ledger (what a
 * redelivery finds already recorded is left out), submits it, and only then releases the lane
 * messages, so their offsets are committed once the batch is at the provider. A crash anywhere
 * before that leaves them uncommitted: they come back, and the ledger keeps them from being
 * recorded or submitted twice.
 */
export class WindowFlusher {
  constructor(private readonly deps: FlusherDeps) {}

  async flush({ window, reason }: ClosedWindow<Hold>, signal: AbortSignal): Promise<void> {
    this.deps.metrics.windowClosed(window.key, reason);
    const entries = [...window.entries()];
    const settle = (outcome: HoldOutcome): void => {
      for (const entry of entries) for (const hold of entry.holds) hold.settle(outcome);
    };
    if (reason === 'shutdown' || entries.length === 0) return settle('handed-back');
    const now = this.deps.clock();
    const id = newBatchId(now);
    const recorded = await this.record(id, window.key, entries, window.bytes, window.earliestDeadlineMs, signal);
    if (recorded === 'interrupted') return settle('handed-back');
    if (recorded) {
      this.deps.logger.info({ batchId: id, ...window.key, reason, requests: recorded.requestCount, bytes: window.bytes }, 'window closed; batch recorded');
      const outcome = await this.submitRecorded(id, entries.filter((entry) => recorded.customIds.has(entry.customId)), now, signal);
      if (outcome === 'handed-back') return settle('handed-back');
    } else {
      this.deps.logger.info({ window: window.key, requests: entries.length }, 'every request of the window was already in a batch (redelivered); nothing new to submit');
    }
    settle('durable');
  }

  /**
   * Tells the requests, submits, and hands the batch to the tracker. Once the batch is recorded the
   * ledger is its source: should a step fail here the tracker takes it from the ledger and submits it.
   */
  private async submitRecorded(id: string, inBatch: readonly WindowEntry<Hold>[], now: Date, signal: AbortSignal): Promise<HoldOutcome> {
    try {
      await this.deps.requests.setStatuses(inBatch.map(({ laneRequest: { request } }) => ({ tenant: request.tenant, id: request.id })), 'batched', 'batch');
      await this.deps.publisher.events(inBatch.map((entry) => batchedEvent(entry.laneRequest, { id }, now)));
      const outcome = await this.deps.submitter.submit((await this.deps.batches.get(id)) as BatchRecord, signal);
      // Recorded but not submitted: the batch is submitted from the ledger after a restart.
      if (outcome.kind === 'interrupted') return 'handed-back';
    } catch (error) {
      this.deps.logger.error({ batchId: id, err: error }, 'the batch is recorded but submitting it failed here; the tracker takes it from the ledger');
    }
    const fresh = await this.deps.batches.get(id).catch(() => undefined);
    if (!fresh) return 'handed-back';
    this.deps.tracker.adopt(fresh);
    return 'durable';
  }

  /** The batch in the ledger, retried while the database is unreachable; 'interrupted' when stopping began. */
  private async record(
    id: string,
    key: WindowKey,
    entries: readonly WindowEntry<Hold>[],
    bytes: number,
    earliestDeadlineMs: number,
    signal: AbortSignal,
  ): Promise<RecordedBatch | undefined | 'interrupted'> {
    const items = entries.map((entry) => ({
      customId: entry.customId,
      tenant: entry.laneRequest.request.tenant,
      requestId: entry.laneRequest.request.id,
      attempt: entry.laneRequest.routing.attempt,
      deadline: laneDeadlineOf(entry.laneRequest) ?? null,
      payload: entry.laneRequest,
    }));
    const earliestDeadline = Number.isFinite(earliestDeadlineMs) ? new Date(earliestDeadlineMs) : null;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.deps.batches.create({ id, provider: key.provider, operation: key.operation, model: key.model, bytes, earliestDeadline }, items);
      } catch (error) {
        const delayMs = backoffMs(attempt, this.deps.retry);
        this.deps.logger.warn({ batchId: id, attempt, delayMs, err: error }, 'recording the batch failed; retrying');
        if (!(await this.deps.sleep(delayMs, signal))) return 'interrupted';
      }
    }
  }
}
