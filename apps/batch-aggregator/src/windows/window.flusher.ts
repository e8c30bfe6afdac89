import type { LaneRequestV1 } from '@sluice/contracts';
import type { HoldOutcome } from '@sluice/kafka';
import type { BatchesRepository, BatchRecord, BatchWindowsRepository, ClosedWindowBatch, RequestsRepository } from '@sluice/ledger';
import type { Sleep } from '@sluice/observability';
import type { Logger } from 'pino';
import { batchedEvent } from '../events/batch-events';
import type { AggregatorPublisher } from '../events/aggregator.publisher';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import type { BatchSubmitter } from '../submit/batch.submitter';
import type { BatchTracker } from '../tracking/batch.tracker';
import { type Backoff, backoffMs } from '../tracking/poll.schedule';
import type { BatchWindow } from './batch-window';
import type { ClosedWindow } from './window.book';

/** How a lane message waiting in a window is released: its offset is committed once it is `durable`. */
export interface Hold {
  settle(outcome: HoldOutcome): void;
}

export interface FlusherDeps {
  batches: Pick<BatchesRepository, 'get' | 'itemPages'>;
  windows: Pick<BatchWindowsRepository, 'close'>;
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
 * Turns a closed window into a provider batch: the ledger moves the window's requests into the batch
 * (what a redelivery finds already in a batch is left out), the batch is submitted from the ledger,
 * and only then are the lane messages released, so their offsets are committed once the batch is at
 * the provider. A crash anywhere before that leaves them uncommitted: they come back into a window of
 * the aggregator reading them then, and the ledger keeps them from being submitted twice.
 */
export class WindowFlusher {
  constructor(private readonly deps: FlusherDeps) {}

  async flush({ window, reason }: ClosedWindow<Hold>, signal: AbortSignal): Promise<void> {
    this.deps.metrics.windowClosed(window.key, reason);
    const settle = (outcome: HoldOutcome): void => {
      for (const entry of window.entries()) for (const hold of entry.holds) hold.settle(outcome);
    };
    if (reason === 'shutdown' || window.size === 0) return settle('handed-back');
    const now = this.deps.clock();
    const recorded = await this.record(window, signal);
    if (recorded === 'interrupted') return settle('handed-back');
    if (recorded) {
      this.deps.logger.info({ batchId: window.id, ...window.key, reason, requests: recorded.requestCount, bytes: window.bytes }, 'window closed; batch recorded');
      const outcome = await this.submitRecorded(window.id, now, signal);
      if (outcome === 'handed-back') return settle('handed-back');
    } else {
      this.deps.logger.info({ window: window.key, requests: window.size }, 'every request of the window was already in a batch (redelivered); nothing new to submit');
    }
    settle('durable');
  }

  /**
   * Tells the requests, submits, and hands the batch to the tracker. Once the batch is recorded the
   * ledger is its source: should a step fail here the tracker takes it from the ledger and submits it.
   */
  private async submitRecorded(id: string, now: Date, signal: AbortSignal): Promise<HoldOutcome> {
    try {
      // Told while the input uploads: both read the batch from the ledger, neither waits for the other.
      const announced = this.announce(id, now);
      announced.catch(() => undefined);
      const outcome = await this.deps.submitter.submit((await this.deps.batches.get(id)) as BatchRecord, signal, announced);
      await announced;
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

  /** Every request of the batch is `batched`: its status, and its event. */
  private async announce(id: string, now: Date): Promise<void> {
    for await (const page of this.deps.batches.itemPages(id, { status: 'pending' })) {
      await this.deps.requests.setStatuses(page.map((item) => ({ tenant: item.tenant, id: item.requestId })), 'batched', 'batch');
      await this.deps.publisher.events(page.map((item) => batchedEvent(item.payload as LaneRequestV1, { id }, now)));
    }
  }

  /** The window recorded as its batch, retried while the database is unreachable; 'interrupted' when stopping began. */
  private async record(window: BatchWindow<Hold>, signal: AbortSignal): Promise<ClosedWindowBatch | undefined | 'interrupted'> {
    const { id, key } = window;
    const earliestDeadline = Number.isFinite(window.earliestDeadlineMs) ? new Date(window.earliestDeadlineMs) : null;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.deps.windows.close({ id, provider: key.provider, operation: key.operation, model: key.model, bytes: window.bytes, earliestDeadline }, window.size);
      } catch (error) {
        const delayMs = backoffMs(attempt, this.deps.retry);
        this.deps.logger.warn({ batchId: id, attempt, delayMs, err: error }, 'recording the batch failed; retrying');
        if (!(await this.deps.sleep(delayMs, signal))) return 'interrupted';
      }
    }
  }
}
