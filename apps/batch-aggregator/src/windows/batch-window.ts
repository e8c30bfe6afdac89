import type { LaneRequestV1, Operation, Provider } from '@sluice/contracts';

/** One window per provider, operation and model: a provider batch holds one model's requests. */
export interface WindowKey {
  provider: Provider;
  operation: Operation;
  model: string;
}

export function windowKeyOf(laneRequest: LaneRequestV1): WindowKey {
  const { request } = laneRequest;
  return { provider: request.provider, operation: request.operation, model: request.body.model };
}

export function windowKeyId(key: WindowKey): string {
  return `${key.provider}:${key.operation}:${key.model}`;
}

/** What bounds a window: the provider's limits (capped by configuration), its age and the deadlines in it. */
export interface WindowLimits {
  maxRequests: number;
  /** Bytes of the provider batch input the lines add up to. */
  maxBytes: number;
  /** Embedding inputs summed over the window (OpenAI counts each string of an array); null: no such limit. */
  maxInputs: number | null;
  maxAgeMs: number;
  /** The batch lane's planned turnaround (batchPlan's windowCloseMs for this model): a window is submitted no later than its earliest deadline minus this. */
  completionEstimateMs: number;
}

/**
 * `restart`: a window found in the ledger at start beside a newer one of its key; it had been closed
 * before the restart and its batch not yet recorded. `waiting`: the largest window, closed early
 * because all open windows together reached the most requests the aggregator keeps waiting.
 */
export type FlushReason = 'count' | 'bytes' | 'inputs' | 'age' | 'deadline' | 'restart' | 'waiting';

/**
 * A window whose earliest deadline is already nearer than the turnaround still waits this long, so a
 * burst of such requests shares one batch instead of each going alone.
 */
export const WINDOW_MIN_AGE_MS = 1_000;

/**
 * One request waiting in a window: what sizes the window and names its ledger row. The lane message
 * itself waits in the ledger (an item of the window's `open` batch), not here, and its offset is already committed.
 */
export interface WindowEntry {
  /** tenant, request id and routing attempt: what the ledger keeps unique per batch item. */
  itemKey: string;
  tenant: string;
  requestId: string;
  attempt: number;
  /** The line's custom_id: the request id, unless another request of the window already uses it. */
  customId: string;
  bytes: number;
  inputs: number;
  deadlineMs: number;
}

export function itemKeyOf(laneRequest: LaneRequestV1): string {
  return itemKey(laneRequest.request.tenant, laneRequest.request.id, laneRequest.routing.attempt);
}

export function itemKey(tenant: string, requestId: string, attempt: number): string {
  // join builds one flat string; a template literal would keep a tree of its parts for as long as the
  // request waits, and a window holds fifty thousand of them.
  return [tenant, requestId, attempt].join('/');
}

/**
 * The requests gathered for one provider batch. Pure bookkeeping: sizes, the earliest deadline, when
 * it is due. The WindowBook decides when to open and close windows.
 */
export class BatchWindow {
  private readonly byItem = new Map<string, WindowEntry>();
  private readonly customIds = new Set<string>();
  private totalBytes = 0;
  private totalInputs = 0;
  private earliest = Number.POSITIVE_INFINITY;

  constructor(
    /** The id the window's batch gets when it closes; its requests wait in the ledger under it. */
    readonly id: string,
    readonly key: WindowKey,
    readonly openedAtMs: number,
    private readonly limits: WindowLimits,
  ) {}

  get size(): number {
    return this.byItem.size;
  }

  get bytes(): number {
    return this.totalBytes;
  }

  get inputs(): number {
    return this.totalInputs;
  }

  get earliestDeadlineMs(): number {
    return this.earliest;
  }

  entries(): IterableIterator<WindowEntry> {
    return this.byItem.values();
  }

  get(itemKey: string): WindowEntry | undefined {
    return this.byItem.get(itemKey);
  }

  usesCustomId(customId: string): boolean {
    return this.customIds.has(customId);
  }

  /** Whether one more line of this size fits under every limit (an empty window takes anything). */
  fits(bytes: number, inputs: number): boolean {
    if (this.size === 0) return true;
    if (this.size + 1 > this.limits.maxRequests) return false;
    if (this.totalBytes + bytes > this.limits.maxBytes) return false;
    return this.limits.maxInputs === null || this.totalInputs + inputs <= this.limits.maxInputs;
  }

  add(entry: WindowEntry): void {
    this.byItem.set(entry.itemKey, entry);
    this.customIds.add(entry.customId);
    this.totalBytes += entry.bytes;
    this.totalInputs += entry.inputs;
    this.earliest = Math.min(this.earliest, entry.deadlineMs);
  }

  remove(itemKey: string): WindowEntry | undefined {
    const entry = this.byItem.get(itemKey);
    if (!entry) return undefined;
    this.byItem.delete(itemKey);
    this.customIds.delete(entry.customId);
    this.totalBytes -= entry.bytes;
    this.totalInputs -= entry.inputs;
    if (entry.deadlineMs === this.earliest) {
      this.earliest = Number.POSITIVE_INFINITY;
      for (const other of this.byItem.values()) this.earliest = Math.min(this.earliest, other.deadlineMs);
    }
    return entry;
  }

  /** A limit the window has reached: nothing more can join it. */
  full(): FlushReason | undefined {
    if (this.size >= this.limits.maxRequests) return 'count';
    if (this.totalBytes >= this.limits.maxBytes) return 'bytes';
    if (this.limits.maxInputs !== null && this.totalInputs >= this.limits.maxInputs) return 'inputs';
    return undefined;
  }

  /** The latest time the window may be submitted: its age limit, or its earliest deadline less the turnaround. */
  dueAtMs(): number {
    const byAge = this.openedAtMs + this.limits.maxAgeMs;
    const byDeadline = Math.max(this.openedAtMs + Math.min(WINDOW_MIN_AGE_MS, this.limits.maxAgeMs), this.earliest - this.limits.completionEstimateMs);
    return Math.min(byAge, byDeadline);
  }

  /** Why the window is to be flushed at `nowMs`, if it is. */
  flushReason(nowMs: number): FlushReason | undefined {
    const full = this.full();
    if (full) return full;
    if (this.size === 0 || nowMs < this.dueAtMs()) return undefined;
    return nowMs >= this.openedAtMs + this.limits.maxAgeMs ? 'age' : 'deadline';
  }
}
