import { type BatchesRepository, type BatchRecord, type BatchStatus as LedgerBatchStatus, OPEN_BATCH_STATUSES } from '@sluice/ledger';
import { type BatchStatus, ProviderError, type ProviderAdapters } from '@sluice/providers';
import type { Sleep } from '@sluice/observability';
import type { Logger } from 'pino';
import { itemSubject, progressEvent } from '../events/batch-events';
import type { AggregatorPublisher } from '../events/aggregator.publisher';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import type { BatchResolver } from '../results/batch.resolver';
import type { BatchSubmitter } from '../submit/batch.submitter';
import { type Backoff, backoffMs, nextPollDelayMs, shouldReportProgress } from './poll.schedule';

export interface TrackerDeps {
  adapters: Pick<ProviderAdapters, 'batch'>;
  batches: Pick<BatchesRepository, 'get' | 'recordProgress' | 'subjectPages'>;
  publisher: Pick<AggregatorPublisher, 'events'>;
  submitter: Pick<BatchSubmitter, 'submit'>;
  resolver: Pick<BatchResolver, 'resolve'>;
  metrics: Pick<AggregatorMetrics, 'open'>;
  sleep: Sleep;
  clock: () => Date;
  logger: Logger;
}

export interface TrackerSettings {
  poll: Backoff;
  /** Least time between two `progress` events of one batch's requests; 0 reports only the end. */
  progressIntervalMs: number;
  /** Provider polls and resolutions at once. */
  concurrency: number;
}

interface Tracked {
  batch: BatchRecord;
  nextAtMs: number;
  delayMs?: number;
  lastDone?: number;
  lastProgress?: { done: number; atMs: number };
  busy: boolean;
}

const LEDGER_STATUS: Readonly<Record<BatchStatus, LedgerBatchStatus>> = {
  validating: 'submitted',
  in_progress: 'in_progress',
  finalizing: 'finalizing',
  cancelling: 'in_progress',
  completed: 'completed',
  failed: 'failed',
  expired: 'expired',
  cancelled: 'cancelled',
};

const TICK_MS = 250;

/**
 * Carries every batch the aggregator knows from the ledger to its end: a pending one is submitted, a
 * submitted one polled (many at once, each on its own backoff, with `progress` events as lines
 * finish), an ended one resolved; what the resolver moves into a new batch starts over here.
 */
export class BatchTracker {
  private readonly tracked = new Map<string, Tracked>();
  private readonly work = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: TrackerDeps,
    private readonly settings: TrackerSettings,
  ) {}

  get signal(): AbortSignal {
    return this.stopping.signal;
  }

  start(): void {
    this.timer = setInterval(() => this.tick(), TICK_MS);
  }

  /** Stops polling and waits for the polls, submissions and resolutions under way. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.stopping.abort();
    await Promise.allSettled([...this.work]);
  }

  /** Takes a batch at whatever stage the ledger has it. */
  adopt(batch: BatchRecord): void {
    // An open batch is a window still filling: the intake's, not the tracker's.
    if (this.stopping.signal.aborted || batch.resolvedAt !== null || batch.status === 'open') return;
    if (batch.status === 'pending') this.run(() => this.submit(batch));
    else if (OPEN_BATCH_STATUSES.includes(batch.status)) this.poll(batch);
    else this.run(() => this.resolve(batch));
  }

  private poll(batch: BatchRecord): void {
    this.tracked.set(batch.id, { batch, nextAtMs: Date.now() + this.settings.poll.baseDelayMs, busy: false });
    this.deps.metrics.open(this.tracked.size);
  }

  private tick(): void {
    const now = Date.now();
    for (const entry of this.tracked.values()) {
      if (this.work.size >= this.settings.concurrency) return;
      if (entry.busy || entry.nextAtMs > now) continue;
      entry.busy = true;
      this.run(() => this.pollOnce(entry).finally(() => (entry.busy = false)));
    }
  }

  private run(task: () => Promise<void>): void {
    const running = task().catch((error: unknown) =>
      this.deps.logger.error({ err: error }, 'batch work failed; it is retried on the next poll or after a restart'),
    );
    this.work.add(running);
    void running.finally(() => this.work.delete(running));
  }

  private async submit(batch: BatchRecord): Promise<void> {
    const outcome = await this.deps.submitter.submit(batch, this.stopping.signal);
    if (outcome.kind === 'interrupted') return;
    const fresh = await this.deps.batches.get(batch.id);
    if (fresh) this.adopt(fresh);
  }

  /** Resolves the batch, retrying with backoff (a broker or database outage) until it is done or stopping begins. */
  private async resolve(batch: BatchRecord): Promise<void> {
    for (let attempt = 1; !this.stopping.signal.aborted; attempt += 1) {
      try {
        const moved = await this.deps.resolver.resolve(batch);
        if (moved) this.adopt(moved);
        return;
      } catch (error) {
        const delayMs = backoffMs(attempt, this.settings.poll);
        this.deps.logger.warn({ batchId: batch.id, attempt, delayMs, err: error }, 'resolving the batch failed; retrying');
        if (!(await this.deps.sleep(delayMs, this.stopping.signal))) return;
      }
    }
  }

  private async pollOnce(entry: Tracked): Promise<void> {
    const { batch } = entry;
    const now = this.deps.clock();
    let moved = false;
    try {
      const state = await this.deps.adapters.batch(batch.provider).poll(batch.providerBatchId!);
      const status = LEDGER_STATUS[state.status];
      await this.deps.batches.recordProgress(batch.id, { status, succeededCount: state.counts.completed, failedCount: state.counts.failed });
      const done = state.counts.completed + state.counts.failed;
      moved = entry.lastDone !== done;
      entry.lastDone = done;
      const ended = !OPEN_BATCH_STATUSES.includes(status);
      if (shouldReportProgress(entry.lastProgress, done, now.getTime(), this.settings.progressIntervalMs, ended)) {
        entry.lastProgress = { done, atMs: now.getTime() };
        await this.reportProgress(batch, { done, total: state.counts.total || batch.requestCount }, now);
      }
      if (ended) {
        this.tracked.delete(batch.id);
        this.deps.metrics.open(this.tracked.size);
        const fresh = await this.deps.batches.get(batch.id);
        if (fresh) await this.resolve(fresh);
        return;
      }
    } catch (error) {
      if (error instanceof ProviderError && error.status === 404) {
        // The provider has no such batch (deleted, or another account's): nothing will come back from it.
        this.tracked.delete(batch.id);
        this.deps.metrics.open(this.tracked.size);
        this.deps.logger.error(
          { batchId: batch.id, providerBatchId: batch.providerBatchId, err: error },
          'the provider does not know this batch; its requests go another way',
        );
        await this.deps.batches.recordProgress(batch.id, { status: 'failed', error: `the provider does not know batch ${batch.providerBatchId ?? ''}` });
        const fresh = await this.deps.batches.get(batch.id);
        if (fresh) await this.resolve(fresh);
        return;
      }
      this.deps.logger.warn({ batchId: batch.id, providerBatchId: batch.providerBatchId, err: error }, 'polling the batch failed; polling it again later');
    }
    entry.delayMs = nextPollDelayMs(entry.delayMs, moved, this.settings.poll);
    entry.nextAtMs = Date.now() + entry.delayMs;
  }

  private async reportProgress(batch: BatchRecord, progress: { done: number; total: number }, at: Date): Promise<void> {
    for await (const page of this.deps.batches.subjectPages(batch.id, { status: 'pending' })) {
      await this.deps.publisher.events(page.map((item) => progressEvent(itemSubject(item, batch), batch, progress, at)));
    }
  }
}
