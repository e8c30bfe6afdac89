import type { LaneRequestV1 } from '@sluice/contracts';
import type { MessageOutcome } from '@sluice/kafka';
import type { BatchWindowsRepository, NewWindowItem, OpenWindowItem } from '@sluice/ledger';
import type { ProviderAdapters } from '@sluice/providers';
import type { Logger } from 'pino';
import { DEADLINE_GUARD_REASON } from '../escalation/deadline.guard';
import type { Escalator } from '../escalation/escalator';
import type { AggregatorMetrics } from '../metrics/aggregator.metrics';
import { laneDeadlineOf } from '../results/batch-result.builder';
import { itemKey, type WindowEntry, type WindowKey, windowKeyOf, type WindowLimits } from '../windows/batch-window';
import { type AdoptedWindow, type ClosedWindow, WindowBook } from '../windows/window.book';
import type { WindowFlusher } from '../windows/window.flusher';
import { embeddingInputs } from './embedding.inputs';

export const NOT_BATCHABLE_REASON = 'not-batchable';

export interface IntakeDeps {
  adapters: Pick<ProviderAdapters, 'batch'>;
  windows: Pick<BatchWindowsRepository, 'add' | 'take' | 'openItems'>;
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
  /** Most requests waiting in all open windows together; past it the largest window closes early. */
  maxWaiting: number;
}

// While windows are open the book is looked at at least this often, for deadlines closing in.
const MAX_TIMER_MS = 1_000;

// Windows turned into batches and submitted at once: one can record or build while another uploads.
const FLUSHES_AT_ONCE = 2;

/**
 * Where batch-lane messages wait for their provider batch. Each message joins the open window of its
 * provider, operation and model; a window closes on the provider limits, its age or its earliest
 * deadline. A request the batch lane cannot serve (its body is not valid in a batch, or its deadline
 * is too near) goes to the realtime lane.
 *
 * The lane messages go to the ledger as they are read (one statement per fetched batch), and once
 * written they are done with as far as Kafka is concerned: their offsets are committed then, not when
 * their window is submitted, so memory follows the open windows (a small entry per waiting request,
 * never the bodies) and nothing per request is kept for the runner. The ledger is then the windows'
 * only durable copy: a restarted aggregator adopts them from it before it reads the lane again.
 * A window is flushed only once every write that may carry its requests has ended: a concurrent
 * fetched batch (another partition) may still be writing requests into a window this one filled.
 */
export class BatchIntake {
  private readonly book: WindowBook;
  private readonly flushing = new Set<Promise<void>>();
  private readonly writing = new Set<Promise<void>>();
  /**
   * Entries in the book whose ledger write has not committed (still under way, or failed and not yet
   * written by a redelivery): the waiting gauge leaves them out, so it never counts a request that a
   * crash now would lose from its window.
   */
  private readonly unwritten = new Set<WindowEntry>();
  private readonly flushQueue: Array<() => void> = [];
  private flushesRunning = 0;
  private readonly stopping = new AbortController();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deps: IntakeDeps,
    private readonly settings: IntakeSettings,
  ) {
    this.book = new WindowBook(settings.limitsFor, settings.newWindowId, settings.maxWaiting);
  }

  get waiting(): number {
    return this.book.waiting;
  }

  /**
   * Rebuilds the windows an earlier run left in the ledger, under their own ids and custom ids, before
   * the lane is read again: their offsets are committed, so nothing else would bring them back. They
   * keep their age (their oldest item's) and fill and close as usual. Returns the requests adopted.
   */
  async adopt(): Promise<number> {
    const now = this.deps.clock().getTime();
    let adopted = 0;
    let current: (AdoptedWindow & { entries: WindowEntry[] }) | undefined;
    const finish = (): void => {
      if (!current || current.entries.length === 0) return;
      adopted += current.entries.length;
      for (const closed of this.book.adopt(current)) this.flush(closed);
    };
    for await (const page of this.deps.windows.openItems()) {
      for (const item of page) {
        const laneRequest = item.payload as LaneRequestV1;
        if (current?.id !== item.windowId) {
          finish();
          current = { id: item.windowId, key: windowKeyOf(laneRequest), openedAtMs: now, entries: [] };
        }
        const bytes = this.line(laneRequest, item.customId)?.length;
        if (bytes === undefined) {
          await this.escalateAdopted(item, NOT_BATCHABLE_REASON);
          continue;
        }
        const { request } = laneRequest;
        current.openedAtMs = Math.min(current.openedAtMs, item.createdAt.getTime());
        current.entries.push({
          itemKey: itemKey(item.tenant, item.requestId, item.attempt),
          tenant: item.tenant,
          requestId: item.requestId,
          attempt: item.attempt,
          customId: item.customId,
          bytes,
          inputs: request.operation === 'embedding' ? embeddingInputs(request.body) : 1,
          deadlineMs: item.deadline === null ? Number.POSITIVE_INFINITY : item.deadline.getTime(),
        });
      }
    }
    finish();
    if (adopted > 0) this.deps.logger.info({ requests: adopted, windows: this.book.windows }, 'adopted the windows the ledger has open');
    this.schedule();
    return adopted;
  }

  /** `traceparents[i]` is the trace context messages[i] came with: its batch item keeps it for the span of its answer. */
  async take(messages: readonly LaneRequestV1[], traceparents: readonly (string | undefined)[] = []): Promise<MessageOutcome[]> {
    const now = this.deps.clock().getTime();
    const outcomes: MessageOutcome[] = [];
    const escalate = new Map<string, LaneRequestV1[]>();
    const later = (laneRequest: LaneRequestV1, reason: string): void => {
      escalate.set(reason, [...(escalate.get(reason) ?? []), laneRequest]);
      outcomes.push({ ok: true });
    };
    // By item: a lane message delivered twice in one fetch is written once.
    const items = new Map<string, NewWindowItem>();
    const entries: WindowEntry[] = [];
    const closed: ClosedWindow[] = [];
    for (const [index, laneRequest] of messages.entries()) {
      const { request } = laneRequest;
      const deadline = laneDeadlineOf(laneRequest);
      const deadlineMs = deadline === undefined ? Number.POSITIVE_INFINITY : Date.parse(deadline);
      if (deadlineMs - now <= this.settings.escalationLeadMs) {
        later(laneRequest, DEADLINE_GUARD_REASON);
        continue;
      }
      let line = this.line(laneRequest, request.id);
      if (line === undefined) {
        later(laneRequest, NOT_BATCHABLE_REASON);
        continue;
      }
      const added = this.book.add(
        { laneRequest, bytes: line.length, inputs: request.operation === 'embedding' ? embeddingInputs(request.body) : 1, deadlineMs },
        now,
      );
      closed.push(...added.closed);
      entries.push(added.entry);
      if (!added.joined) this.unwritten.add(added.entry);
      // Sized under the request id; a window where that id is taken gives it another custom id.
      if (added.entry.customId !== request.id) line = this.line(laneRequest, added.entry.customId) ?? line;
      // A joined entry is written again: its earlier write may be the one that failed.
      items.set(added.entry.itemKey, {
        windowId: added.window.id,
        ...added.window.key,
        customId: added.entry.customId,
        tenant: request.tenant,
        requestId: request.id,
        attempt: laneRequest.routing.attempt,
        deadline: deadline ?? null,
        payload: laneRequest,
        line: line.toString('utf8'),
        traceparent: traceparents[index] ?? null,
      });
      outcomes.push({ ok: true });
    }
    const written = this.deps.windows.add([...items.values()]);
    const tracked = written.catch(() => undefined);
    this.writing.add(tracked);
    void tracked.finally(() => this.writing.delete(tracked));
    // Flushed after the write, failed or not: a failed write throws below, nothing is committed, the
    // runner delivers the batch again, and its requests join the next windows. Once it succeeded the
    // runner commits the batch: the ledger has every request of it.
    for (const window of closed) this.flush(window);
    await written;
    for (const entry of entries) this.unwritten.delete(entry);
    for (const [reason, laneRequests] of escalate) await this.deps.escalator.fromWindow(laneRequests, reason);
    this.schedule();
    return outcomes;
  }

  /**
   * Stops the timers and lets the flushes under way finish (or stop at their next retry). What waits
   * in open windows stays in the ledger, where the next start adopts it.
   */
  async stop(): Promise<void> {
    clearTimeout(this.timer);
    this.stopping.abort();
    await Promise.allSettled([...this.flushing]);
    this.deps.metrics.waiting(0);
  }

  /** The request's provider batch line under `customId`; undefined when it cannot go into a batch. */
  private line(laneRequest: LaneRequestV1, customId: string): Buffer | undefined {
    const { request } = laneRequest;
    try {
      return this.deps.adapters.batch(request.provider).buildLine(customId, request.body, request.operation);
    } catch (error) {
      this.deps.logger.warn(
        { requestId: request.id, tenant: request.tenant, err: error },
        'request cannot go into a provider batch; sending it to the realtime lane',
      );
      return undefined;
    }
  }

  /** An adopted request that cannot go into a batch (the adapter changed since it was read) goes to the realtime lane. */
  private async escalateAdopted(item: OpenWindowItem, reason: string): Promise<void> {
    const key = { windowId: item.windowId, tenant: item.tenant, requestId: item.requestId, attempt: item.attempt };
    await this.deps.windows.take([key], (payloads) => this.deps.escalator.fromWindow(payloads as LaneRequestV1[], reason));
  }

  private flush(closed: ClosedWindow): void {
    const writes = [...this.writing];
    const running = Promise.allSettled(writes)
      .then(() => this.flushTurn())
      .then(async (release) => {
        try {
          // Stopping began while it waited for its turn: its items stay in the ledger for the next start.
          if (!this.stopping.signal.aborted) await this.deps.flusher.flush(closed, this.stopping.signal);
        } finally {
          release();
        }
      })
      .catch((error: unknown) => {
        this.deps.logger.error(
          { batchId: closed.id, window: closed.key, err: error },
          'flushing a window failed; its requests stay in the ledger until the next start adopts them',
        );
      });
    this.flushing.add(running);
    void running.finally(() => this.flushing.delete(running));
  }

  /**
   * Waits for one of FLUSHES_AT_ONCE turns. A backlog closes windows faster than they upload: each
   * flush holds pages of items and events while it runs, and twenty at once would only share the same
   * CPU and database while holding twenty times the memory.
   */
  private flushTurn(): Promise<() => void> {
    return new Promise((resolve) => {
      const grant = (): void => {
        this.flushesRunning += 1;
        resolve(() => {
          this.flushesRunning -= 1;
          this.flushQueue.shift()?.();
        });
      };
      if (this.flushesRunning < FLUSHES_AT_ONCE) grant();
      else this.flushQueue.push(grant);
    });
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.deps.metrics.waiting(this.writtenWaiting());
    const due = this.book.nextDueAtMs();
    if (due === undefined || this.stopping.signal.aborted) return;
    const delay = Math.max(0, Math.min(MAX_TIMER_MS, due - this.deps.clock().getTime()));
    this.timer = setTimeout(() => void this.onTimer(), delay);
  }

  /** Requests waiting in open windows that the ledger has. */
  private writtenWaiting(): number {
    // An unwritten entry whose window has closed or that was taken out no longer counts in the book.
    for (const entry of this.unwritten) if (!this.book.holds(entry)) this.unwritten.delete(entry);
    return this.book.waiting - this.unwritten.size;
  }

  private async onTimer(): Promise<void> {
    const now = this.deps.clock().getTime();
    for (const closed of this.book.closeDue(now)) this.flush(closed);
    const near = this.book.takeNearDeadline(now, this.settings.escalationLeadMs);
    if (near.length > 0) {
      try {
        await Promise.allSettled([...this.writing]);
        // Out of the ledger only once escalated: nothing else keeps these requests.
        await this.deps.windows.take(
          near.map(({ windowId, entry }) => ({ windowId, tenant: entry.tenant, requestId: entry.requestId, attempt: entry.attempt })),
          (payloads) => this.deps.escalator.fromWindow(payloads as LaneRequestV1[], DEADLINE_GUARD_REASON),
        );
      } catch (error) {
        // Still in the ledger: they go with their window's batch (where the deadline guard escalates
        // them), or are adopted at the next start if their window emptied.
        this.deps.logger.error({ err: error, requests: near.length }, 'escalating requests from a window failed; they stay in it');
      }
    }
    this.schedule();
  }
}
