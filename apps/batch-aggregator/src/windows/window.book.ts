import { createHash } from 'node:crypto';
import type { LaneRequestV1 } from '@sluice/contracts';
import { BatchWindow, type FlushReason, itemKeyOf, type WindowEntry, type WindowKey, windowKeyId, windowKeyOf, type WindowLimits } from './batch-window';

/**
 * A window taken out of the book to be submitted, and why: only what recording its batch needs. Its
 * entries stay behind (the ledger has its requests), so windows waiting for their upload cost a few
 * numbers each, however many requests they carry.
 */
export interface ClosedWindow {
  id: string;
  key: WindowKey;
  size: number;
  bytes: number;
  /** +Infinity when none of its requests has a deadline. */
  earliestDeadlineMs: number;
  reason: FlushReason;
}

export interface NewEntry {
  laneRequest: LaneRequestV1;
  bytes: number;
  inputs: number;
  deadlineMs: number;
}

/**
 * Where an added request waits: its window and entry (a redelivered lane message that is already
 * waiting gets the entry it has, and `joined`); `closed` are the windows this addition filled or pushed out.
 */
export interface AddOutcome {
  window: BatchWindow;
  entry: WindowEntry;
  joined: boolean;
  closed: ClosedWindow[];
}

/** A window of an earlier run, as the ledger kept it: its id, custom ids and age carry over. */
export interface AdoptedWindow {
  id: string;
  key: WindowKey;
  openedAtMs: number;
  entries: readonly WindowEntry[];
}

/**
 * The open windows, one per provider, operation and model. Adding a request that does not fit closes
 * the window it would have joined and opens the next; the book never holds a window past a limit, nor
 * more than `maxWaiting` requests in all its windows together (the largest closes early): what the
 * aggregator's memory is sized by, however many models are in bulk at once.
 * Pure bookkeeping: the caller's clock drives age and deadline closing (`closeDue`), and the caller
 * names each window as it opens (`newWindowId`).
 */
export class WindowBook {
  private readonly open = new Map<string, BatchWindow>();

  constructor(
    private readonly limitsFor: (key: WindowKey) => WindowLimits,
    private readonly newWindowId: (nowMs: number) => string,
    private readonly maxWaiting = Number.POSITIVE_INFINITY,
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

  /** Whether this very entry still waits in an open window (not closed, not taken near its deadline). */
  holds(entry: WindowEntry): boolean {
    for (const window of this.open.values()) if (window.get(entry.itemKey) === entry) return true;
    return false;
  }

  add(entry: NewEntry, nowMs: number): AddOutcome {
    const key = windowKeyOf(entry.laneRequest);
    const id = windowKeyId(key);
    const itemKey = itemKeyOf(entry.laneRequest);
    const closed: ClosedWindow[] = [];
    let window = this.open.get(id);
    const existing = window?.get(itemKey);
    if (window && existing) return { window, entry: existing, joined: true, closed };
    if (window && !window.fits(entry.bytes, entry.inputs)) {
      closed.push(closedOf(window, window.full() ?? this.limitReason(window, entry)));
      this.open.delete(id);
      window = undefined;
    }
    if (!window) {
      window = new BatchWindow(this.newWindowId(nowMs), key, nowMs, this.limitsFor(key));
      this.open.set(id, window);
    }
    const { request, routing } = entry.laneRequest;
    const added: WindowEntry = {
      itemKey,
      tenant: request.tenant,
      requestId: request.id,
      attempt: routing.attempt,
      customId: customIdFor(window, entry.laneRequest, itemKey),
      bytes: entry.bytes,
      inputs: entry.inputs,
      deadlineMs: entry.deadlineMs,
    };
    window.add(added);
    const full = window.full();
    if (full) {
      closed.push(closedOf(window, full));
      this.open.delete(id);
    }
    closed.push(...this.relieve());
    return { window, entry: added, joined: false, closed };
  }

  /**
   * Puts back a window an earlier run left in the ledger, under its own id, so it goes on filling and
   * closes on the usual limits, age and deadlines. One window of a key is open at a time: of two, the
   * one opened earlier had been closed before the restart and closes now (`restart`); an adopted window
   * already at a limit (the limits may have been lowered since) closes now as well.
   */
  adopt(adopted: AdoptedWindow): ClosedWindow[] {
    const id = windowKeyId(adopted.key);
    const window = new BatchWindow(adopted.id, adopted.key, adopted.openedAtMs, this.limitsFor(adopted.key));
    for (const entry of adopted.entries) window.add(entry);
    const closed: ClosedWindow[] = [];
    const other = this.open.get(id);
    let keep = window;
    if (other) {
      const [older, newer] = other.openedAtMs <= window.openedAtMs ? [other, window] : [window, other];
      closed.push(closedOf(older, older.full() ?? 'restart'));
      keep = newer;
    }
    const full = keep.full();
    if (full) {
      closed.push(closedOf(keep, full));
      this.open.delete(id);
    } else {
      this.open.set(id, keep);
    }
    closed.push(...this.relieve());
    return closed;
  }

  /** Takes out every window whose age or earliest deadline says it must go now. */
  closeDue(nowMs: number): ClosedWindow[] {
    const closed: ClosedWindow[] = [];
    for (const [id, window] of this.open) {
      const reason = window.flushReason(nowMs);
      if (reason) {
        closed.push(closedOf(window, reason));
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
  takeNearDeadline(nowMs: number, leadMs: number): Array<{ windowId: string; entry: WindowEntry }> {
    const taken: Array<{ windowId: string; entry: WindowEntry }> = [];
    for (const [id, window] of this.open) {
      if (window.earliestDeadlineMs - nowMs > leadMs) continue;
      for (const entry of [...window.entries()]) {
        if (entry.deadlineMs - nowMs <= leadMs) taken.push({ windowId: window.id, entry: window.remove(entry.itemKey)! });
      }
      if (window.size === 0) this.open.delete(id);
    }
    return taken;
  }

  /** Closes the largest windows while all of them together hold more than `maxWaiting` requests. */
  private relieve(): ClosedWindow[] {
    const closed: ClosedWindow[] = [];
    while (this.waiting > this.maxWaiting) {
      let largest: [string, BatchWindow] | undefined;
      for (const open of this.open) if (!largest || open[1].size > largest[1].size) largest = open;
      if (!largest) break;
      closed.push(closedOf(largest[1], 'waiting'));
      this.open.delete(largest[0]);
    }
    return closed;
  }

  private limitReason(window: BatchWindow, entry: NewEntry): FlushReason {
    const limits = this.limitsFor(window.key);
    if (window.size + 1 > limits.maxRequests) return 'count';
    if (window.bytes + entry.bytes > limits.maxBytes) return 'bytes';
    return 'inputs';
  }
}

function closedOf(window: BatchWindow, reason: FlushReason): ClosedWindow {
  return { id: window.id, key: window.key, size: window.size, bytes: window.bytes, earliestDeadlineMs: window.earliestDeadlineMs, reason };
}

/**
 * The request id, which is what an operator looks for in the provider's files. Two tenants may use
 * the same request id, and a resubmitted request may meet its earlier attempt: then a digest of the
 * item stands in (custom ids are unique per batch, at most 64 characters of [A-Za-z0-9_-]).
 */
function customIdFor(window: BatchWindow, laneRequest: LaneRequestV1, itemKey: string): string {
  const id = laneRequest.request.id;
  if (!window.usesCustomId(id)) return id;
  return `x_${createHash('sha256').update(itemKey).digest('base64url').slice(0, 43)}`;
}
