import type { BatchesRepository, BatchRecord, BatchWindowsRepository, ClosedWindowBatch, RequestsRepository } from '@sluice/ledger';
import type { Sleep } from '@sluice/observability';
import type { Logger } from 'pino';
import { batchedEvent, itemSubject } from '../events/batch-events';
import type { AggregatorPublisher } from '../events/aggregator.publisher';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import type { BatchSubmitter } from '../submit/batch.submitter';
import type { BatchTracker } from '../tracking/batch.tracker';
import { type Backoff, backoffMs } from '../tracking/poll.schedule';
import type { ClosedWindow } from './window.book';

export interface FlusherDeps {
  batches: Pick<BatchesRepository, 'get' | 'subjectPages'>;
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
 * Turns a closed window into a provider batch: the window's `open` batch in the ledger becomes
 * `pending` with its requests already its items (a redelivery found already in a batch never joined
 * it), and the batch is submitted from the ledger. The lane messages were committed when their window items were written, so nothing waits on
 * this: a crash or a stop before the batch is recorded leaves the items in the ledger, where the next
 * start adopts their window; one after it leaves a recorded batch, which the tracker submits.
 */
export class WindowFlusher {
  constructor(private readonly deps: FlusherDeps) {}

  async flush(window: ClosedWindow, signal: AbortSignal): Promise<void> {
    this.deps.metrics.windowClosed(window.key, window.reason);
    if (window.size === 0) return;
    const now = this.deps.clock();
    const recorded = await this.record(window, signal);
    if (recorded === 'interrupted') return;
    if (recorded) {
      this.deps.logger.info(
        { batchId: window.id, ...window.key, reason: window.reason, requests: recorded.requestCount, bytes: window.bytes },
        'window closed; batch recorded',
      );
      await this.submitRecorded(window, now, signal);
    } else {
      this.deps.logger.info(
        { window: window.key, requests: window.size },
        'every request of the window was already in a batch (redelivered); nothing new to submit',
      );
    }
  }

  /**
   * Tells the requests, submits, and hands the batch to the tracker. Once the batch is recorded the
   * ledger is its source: should a step fail here the tracker takes it from the ledger and submits it,
   * and a batch interrupted by stopping is submitted from the ledger after the restart.
   */
  private async submitRecorded(window: ClosedWindow, now: Date, signal: AbortSignal): Promise<void> {
    const { id } = window;
    try {
      // Told while the input uploads: both read the batch from the ledger, neither waits for the other.
      const announced = this.announce(window, now);
      announced.catch(() => undefined);
      const outcome = await this.deps.submitter.submit((await this.deps.batches.get(id)) as BatchRecord, signal, announced);
      await announced;
      if (outcome.kind === 'interrupted') return;
    } catch (error) {
      this.deps.logger.error({ batchId: id, err: error }, 'the batch is recorded but submitting it failed here; the tracker takes it from the ledger');
    }
    const fresh = await this.deps.batches.get(id).catch(() => undefined);
    if (fresh) this.deps.tracker.adopt(fresh);
  }

  /** Every request of the batch is `batched`: its status, and its event. */
  private async announce({ id, key }: ClosedWindow, now: Date): Promise<void> {
    for await (const page of this.deps.batches.subjectPages(id, { status: 'pending' })) {
      await this.deps.requests.setStatuses(
        page.map((item) => ({ tenant: item.tenant, id: item.requestId })),
        'batched',
        'batch',
      );
      await this.deps.publisher.events(page.map((item) => batchedEvent(itemSubject(item, key), { id }, now)));
    }
  }

  /** The window recorded as its batch, retried while the database is unreachable; 'interrupted' when stopping began. */
  private async record(window: ClosedWindow, signal: AbortSignal): Promise<ClosedWindowBatch | undefined | 'interrupted'> {
    const { id, key } = window;
    const earliestDeadline = Number.isFinite(window.earliestDeadlineMs) ? new Date(window.earliestDeadlineMs) : null;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.deps.windows.close({ id, provider: key.provider, operation: key.operation, model: key.model, bytes: window.bytes, earliestDeadline });
      } catch (error) {
        const delayMs = backoffMs(attempt, this.deps.retry);
        this.deps.logger.warn({ batchId: id, attempt, delayMs, err: error }, 'recording the batch failed; retrying');
        if (!(await this.deps.sleep(delayMs, signal))) return 'interrupted';
      }
    }
  }
}
