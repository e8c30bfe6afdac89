import type { BatchesRepository, BatchItemRecord } from '@sluice/ledger';
import type { Logger } from 'pino';
import type { Escalator } from './escalator';

export const DEADLINE_GUARD_REASON = 'deadline-guard';

const PAGE = 1_000;

/**
 * Watches the requests waiting in submitted batches: one whose deadline comes within the escalation
 * lead (what the realtime lane needs, and a margin) before its batch answered is re-issued on the
 * realtime lane. Runs on a timer; one pass escalates everything due.
 */
export class DeadlineGuard {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;

  constructor(
    private readonly deps: {
      batches: Pick<BatchesRepository, 'pendingItemsDueBefore'>;
      escalator: Pick<Escalator, 'fromBatch'>;
      clock: () => Date;
      logger: Logger;
    },
    private readonly settings: { leadMs: number; intervalMs: number },
  ) {}

  start(): void {
    this.timer = setInterval(() => {
      // A slow pass is not stacked behind by the next tick.
      this.running ??= this.pass()
        .then(() => undefined)
        .catch((error: unknown) => this.deps.logger.warn({ err: error }, 'deadline guard pass failed; the next one retries'))
        .finally(() => (this.running = undefined));
    }, this.settings.intervalMs);
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** Escalates every pending item due within the lead; returns how many. */
  async pass(): Promise<number> {
    let escalated = 0;
    for (;;) {
      const due = await this.deps.batches.pendingItemsDueBefore(new Date(this.deps.clock().getTime() + this.settings.leadMs), PAGE);
      const byBatch = new Map<string, BatchItemRecord[]>();
      for (const item of due) byBatch.set(item.batchId, [...(byBatch.get(item.batchId) ?? []), item]);
      let now = 0;
      for (const [batchId, items] of byBatch) now += await this.deps.escalator.fromBatch({ id: batchId }, items, DEADLINE_GUARD_REASON);
      escalated += now;
      // A full page that moved nothing would come back the same: stop rather than spin.
      if (due.length < PAGE || now === 0) return escalated;
    }
  }
}
