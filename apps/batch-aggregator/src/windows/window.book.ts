import { createHash } from 'node:crypto';
import type { LaneRequestV1 } from '@sluice/contracts';
import { BatchWindow, type FlushReason, itemKeyOf, type WindowEntry, type WindowKey, windowKeyId, windowKeyOf, type WindowLimits } from './batch-window';

/** A window taken out of the book to be submitted, and why. */
export interface ClosedWindow<H> {
  window: BatchWindow<H>;
  reason: FlushReason | 'shutdown';
}

export interface NewEntry<H> {
  laneRequest: LaneRequestV1;
  bytes: number;
  inputs: number;
  deadlineMs: number;
  hold: H;
}

/**
 * Where an added request waits: its window and entry (a redelivered lane message that is already
 * waiting joins its entry with one more hold); `closed` are the windows this addition filled or
 * pushed out.
 */
export interface AddOutcome<H> {
  window: BatchWindow<H>;
  entry: WindowEntry<H>;
  joined: boolean;
  closed: ClosedWindow<H>[];
}

/**
 * The open windows, one per provider, operation and model. Adding a request that does not fit closes
 * the window it would have joined and opens the next; the book never holds a window past a limit.
 * Pure bookkeeping: the caller's clock drives age and deadline closing (`closeDue`), and the caller
 * names each window as it opens (`newWindowId`).
 */
export class WindowBook<H> {
  private readonly open = new Map<string, BatchWindow<H>>();

  constructor(
    private readonly limitsFor: (key: WindowKey) => WindowLimits,
    private readonly newWindowId: (nowMs: number) => string,
  ) {}

  get windows(): number {
    return this.open.size;
  }

  /** Requests waiting in open windows. */
  get waiting(): number {
    let total = 0;
    for (const window of this.open.values()) total += window.size;
    return total;
  }

  add(entry: NewEntry<H>, nowMs: number): AddOutcome<H> {
    const key = windowKeyOf(entry.laneRequest);
    const id = windowKeyId(key);
    const itemKey = itemKeyOf(entry.laneRequest);
    const closed: ClosedWindow<H>[] = [];
    let window = this.open.get(id);
    const existing = window?.get(itemKey);
    if (window && existing) {
      existing.holds.push(entry.hold);
      return { window, entry: existing, joined: true, closed };
    }
    if (window && !window.fits(entry.bytes, entry.inputs)) {
      closed.push({ window, reason: window.full() ?? this.limitReason(window, entry) });
      this.open.delete(id);
      window = undefined;
    }
    if (!window) {
      window = new BatchWindow<H>(this.newWindowId(nowMs), key, nowMs, this.limitsFor(key));
      this.open.set(id, window);
    }
    const { request, routing } = entry.laneRequest;
    const added: WindowEntry<H> = {
      itemKey,
      tenant: request.tenant,
      requestId: request.id,
      attempt: routing.attempt,
      customId: customIdFor(window, entry.laneRequest, itemKey),
      bytes: entry.bytes,
      inputs: entry.inputs,
      deadlineMs: entry.deadlineMs,
      holds: [entry.hold],
    };
    window.add(added);
    const full = window.full();
    if (full) {
      closed.push({ window, reason: full });
      this.open.delete(id);
    }
    return { window, entry: added, joined: false, closed };
  }

  /** Takes out every window whose age or earliest deadline says it must go now. */
  closeDue(nowMs: number): ClosedWindow<H>[] {
    const closed: ClosedWindow<H>[] = [];
    for (const [id, window] of this.open) {
      const reason = window.flushReason(nowMs);
      if (reason) {
        closed.push({ window, reason });
        this.open.delete(id);
      }
    }
    return closed;
  }

  /** When the next window falls due, for the caller's timer; undefined when none is open. */
  nextDueAtMs(): number | undefined {
    let next: number | undefined;
    for (const window of this.open.values()) next = next === undefined ? window.dueAtMs() : Math.min(next, window.dueAtMs());
    return next;
  }

  /** Removes the waiting requests whose deadline is `leadMs` away or nearer: the batch lane can no longer answer them. */
  takeNearDeadline(nowMs: number, leadMs: number): Array<{ windowId: string; entry: WindowEntry<H> }> {
    const taken: Array<{ windowId: string; entry: WindowEntry<H> }> = [];
    for (const [id, window] of this.open) {
      if (window.earliestDeadlineMs - nowMs > leadMs) continue;
      for (const entry of [...window.entries()]) {
        if (entry.deadlineMs - nowMs <= leadMs) taken.push({ windowId: window.id, entry: window.remove(entry.itemKey)! });
      }
      if (window.size === 0) this.open.delete(id);
    }
    return taken;
  }

  /** Every open window, taken out: what shutdown hands back. */
  drain(): ClosedWindow<H>[] {
    const closed = [...this.open.values()].map((window) => ({ window, reason: 'shutdown' as const }));
    this.open.clear();
    return closed;
  }

  private limitReason(window: BatchWindow<H>, entry: NewEntry<H>): FlushReason {
    const limits = this.limitsFor(window.key);
    if (window.size + 1 > limits.maxRequests) return 'count';
    if (window.bytes + entry.bytes > limits.maxBytes) return 'bytes';
    return 'inputs';
  }
}

/**
 * The request id, which is what an operator looks for in the provider's files. Two tenants may use
 * the same request id, and a resubmitted request may meet its earlier attempt: then a digest of the
 * item stands in (custom ids are unique per batch, at most 64 characters of [A-Za-z0-9_-]).
 */
function customIdFor<H>(window: BatchWindow<H>, laneRequest: LaneRequestV1, itemKey: string): string {
  const id = laneRequest.request.id;
  if (!window.usesCustomId(id)) return id;
  return `x_${createHash('sha256').update(itemKey).digest('base64url').slice(0, 43)}`;
}
