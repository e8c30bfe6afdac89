import type { LaneRequestV1 } from '@sluice/contracts';
import type { HoldOutcome, MessageOutcome } from '@sluice/kafka';
import type { BatchWindowsRepository, NewWindowItem } from '@sluice/ledger';
import type { ProviderAdapters } from '@sluice/providers';
import type { Logger } from 'pino';
import { DEADLINE_GUARD_REASON } from '../escalation/deadline.guard';
import type { Escalator } from '../escalation/escalator';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { laneDeadlineOf } from '../results/batch-result.builder';
import type { WindowKey, WindowLimits } from '../windows/batch-window';
import { type ClosedWindow, WindowBook } from '../windows/window.book';
import type { Hold, WindowFlusher } from '../windows/window.flusher';
import { SharedHold } from '../windows/shared.hold';
import { embeddingInputs } from './embedding.inputs';

export const NOT_BATCHABLE_REASON = 'not-batchable';

export interface IntakeDeps {
  adapters: Pick<ProviderAdapters, 'batch'>;
  windows: Pick<BatchWindowsRepository, 'add' | 'take'>;
  flusher: Pick<WindowFlusher, 'flush'>;
  escalator: Pick<Escalator, 'fromWindow'>;
  metrics: Pick<AggregatorMetrics, 'waiting'>;
  clock: () => Date;
  logger: Logger;
}

export interface IntakeSettings {
  limitsFor: (key: WindowKey) => WindowLimits;
  /** A request this close to its deadline goes to the realtime lane instead of waiting for a batch. */
  escalationLeadMs: number;
  /** Names a window as it opens: the id its batch gets. */
  newWindowId: (nowMs: number) => string;
}

// While windows are open the book is looked at at least this often, for deadlines closing in.
const MAX_TIMER_MS = 1_000;

/**
 * Where batch-lane messages wait for their provider batch. Each message joins the open window of its
 * provider, operation and model and is held (uncommitted) until that window is submitted; a window
 * closes on the provider limits, its age or its earliest deadline. A request the batch lane cannot
 * serve (its body is not valid in a batch, or its deadline is too near) goes to the realtime lane.
 *
 * The lane messages themselves go to the ledger as they are read (one statement per fetched batch);
 * memory keeps a small entry per waiting request and one hold per fetched batch, never the bodies.
 * A window is flushed only once every write that may carry its requests has ended: a concurrent
 * fetched batch (another partition) may still be writing requests into a window this one filled.
 */
export class BatchIntake {
  private readonly book: WindowBook<Hold>;
  private readonly flushing = new Set<Promise<void>>();
  private readonly writing = new Set<Promise<void>>();
  private readonly stopping = new AbortController();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: IntakeDeps,
    private readonly settings: IntakeSettings,
  ) {
    this.book = new WindowBook<Hold>(settings.limitsFor, settings.newWindowId);
  }

  get waiting(): number {
    return this.book.waiting;
  }

  async take(messages: readonly LaneRequestV1[]): Promise<MessageOutcome[]> {
    const now = this.deps.clock().getTime();
    const outcomes: MessageOutcome[] = [];
    const escalate = new Map<string, LaneRequestV1[]>();
    const later = (laneRequest: LaneRequestV1, reason: string): void => {
      escalate.set(reason, [...(escalate.get(reason) ?? []), laneRequest]);
      outcomes.push({ ok: true });
    };
    // By item: a lane message delivered twice in one fetch is written once.
    const items = new Map<string, NewWindowItem>();
    const closed: Array<ClosedWindow<Hold>> = [];
    const hold = new SharedHold();
    for (const laneRequest of messages) {
      const { request } = laneRequest;
      const deadline = laneDeadlineOf(laneRequest);
      const deadlineMs = deadline === undefined ? Number.POSITIVE_INFINITY : Date.parse(deadline);
      if (deadlineMs - now <= this.settings.escalationLeadMs) {
        later(laneRequest, DEADLINE_GUARD_REASON);
        continue;
      }
      let bytes: number;
      try {
        bytes = this.deps.adapters.batch(request.provider).buildLine(request.id, request.body, request.operation).length;
      } catch (error) {
        this.deps.logger.warn({ requestId: request.id, tenant: request.tenant, err: error }, 'request cannot go into a provider batch; sending it to the realtime lane');
        later(laneRequest, NOT_BATCHABLE_REASON);
        continue;
      }
      hold.add();
      const added = this.book.add({ laneRequest, bytes, inputs: request.operation === 'embedding' ? embeddingInputs(request.body) : 1, deadlineMs, hold }, now);
      closed.push(...added.closed);
      // A joined entry is written again: its earlier write may be the one that failed.
      items.set(added.entry.itemKey, {
        windowId: added.window.id,
        customId: added.entry.customId,
        tenant: request.tenant,
        requestId: request.id,
        attempt: laneRequest.routing.attempt,
        deadline: deadline ?? null,
        payload: laneRequest,
      });
      outcomes.push({ ok: true, held: hold.done });
    }
    const written = this.deps.windows.add([...items.values()]);
    const tracked = written.catch(() => undefined);
    this.writing.add(tracked);
    void tracked.finally(() => this.writing.delete(tracked));
    // Flushed after the write, failed or not: a failed write throws below, the runner delivers the
    // batch again, and its requests join the next windows.
    for (const window of closed) this.flush(window);
    await written;
    for (const [reason, laneRequests] of escalate) await this.deps.escalator.fromWindow(laneRequests, reason);
    this.schedule();
    return outcomes;
  }

  /** Hands back what waits in open windows and lets the flushes under way finish. */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    for (const closed of this.book.drain()) this.flush(closed);
    this.stopping.abort();
    await Promise.allSettled([...this.flushing]);
    this.deps.metrics.waiting(0);
  }

  private flush(closed: ClosedWindow<Hold>): void {
    const writes = [...this.writing];
    const running = Promise.allSettled(writes)
      .then(() => this.deps.flusher.flush(closed, this.stopping.signal))
      .catch((error: unknown) => {
        this.deps.logger.error({ window: closed.window.key, err: error }, 'flushing a window failed; its requests stay uncommitted until a restart');
      });
    this.flushing.add(running);
    void running.finally(() => this.flushing.delete(running));
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.deps.metrics.waiting(this.book.waiting);
    const due = this.book.nextDueAtMs();
    if (due === undefined || this.stopping.signal.aborted) return;
    const delay = Math.max(0, Math.min(MAX_TIMER_MS, due - this.deps.clock().getTime()));
    this.timer = setTimeout(() => void this.onTimer(), delay);
  }

  private async onTimer(): Promise<void> {
    const now = this.deps.clock().getTime();
    for (const closed of this.book.closeDue(now)) this.flush(closed);
    const near = this.book.takeNearDeadline(now, this.settings.escalationLeadMs);
    if (near.length > 0) {
      const settle = (outcome: HoldOutcome): void => {
        for (const { entry } of near) for (const hold of entry.holds) hold.settle(outcome);
      };
      try {
        await Promise.allSettled([...this.writing]);
        // Taken out of the ledger first: a crash before the escalation is published leaves the
        // offsets uncommitted, and the redelivered lane messages are escalated then.
        const laneRequests = await this.deps.windows.take(
          near.map(({ windowId, entry }) => ({ windowId, tenant: entry.tenant, requestId: entry.requestId, attempt: entry.attempt })),
        );
        await this.deps.escalator.fromWindow(laneRequests as LaneRequestV1[], DEADLINE_GUARD_REASON);
        settle('durable');
      } catch (error) {
        this.deps.logger.error({ err: error, requests: near.length }, 'escalating requests from a window failed; they stay uncommitted until a restart');
        settle('handed-back');
      }
    }
    this.schedule();
  }
}
