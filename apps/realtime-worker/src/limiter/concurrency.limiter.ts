/** The two lanes the worker serves; realtime has priority and a reserved share of every key's slots. */
export type WorkerLane = 'realtime' | 'async';

export interface LimiterSettings {
  /** Provider calls at once for one key (one provider and model). */
  capacity(key: string): number;
  /** Fraction of each key's capacity that async work may never take, in [0, 1). */
  reservedRealtimeShare: number;
}

export interface KeyUsage {
  capacity: number;
  /** The most slots async work may hold at once. */
  asyncLimit: number;
  inUse: Record<WorkerLane, number>;
  waiting: Record<WorkerLane, number>;
}

/** Gives a slot back; calling it more than once is harmless. */
export type Release = () => void;

/** Rejects an acquire whose signal fired before a slot was free. */
export class LimiterAbortedError extends Error {
  override readonly name = 'LimiterAbortedError';
}

interface Waiter {
  resolve(release: Release): void;
  reject(error: unknown): void;
  detach(): void;
}

interface KeyState {
  capacity: number;
  asyncLimit: number;
  inUse: Record<WorkerLane, number>;
  waiters: Record<WorkerLane, Waiter[]>;
}

/**
 * The most slots async work may hold: the capacity minus the reserved share, rounded so the reserve
 * is at least one whole slot when there is any share at all, but never starving async completely
 * (a capacity of 1 cannot reserve anything without shutting async out).
 */
export function asyncLimitFor(capacity: number, reservedRealtimeShare: number): number {
  if (reservedRealtimeShare <= 0) return capacity;
  const reserved = Math.ceil(capacity * reservedRealtimeShare);
  return Math.max(1, capacity - reserved);
}

/**
 * Counts provider calls per key (provider and model) and admits a new one only while the key has a
 * free slot: realtime may use every slot, async at most `asyncLimit`, so the reserved share is always
 * there for realtime whatever async work is queued. Waiters are served realtime first, then async, in
 * arrival order within a lane. Keys are forgotten once idle, so unknown model names cannot grow it.
 * No I/O and no timers: a caller that must not wait forever passes an AbortSignal.
 */
export class ConcurrencyLimiter {
  private readonly keys = new Map<string, KeyState>();

  constructor(
    private readonly settings: LimiterSettings,
    private readonly onChange: (key: string, usage: KeyUsage) => void = () => undefined,
  ) {
    const share = settings.reservedRealtimeShare;
    if (!(share >= 0 && share < 1)) throw new RangeError(`reservedRealtimeShare must be in [0, 1), got ${share}`);
  }

  acquire(key: string, lane: WorkerLane, signal?: AbortSignal): Promise<Release> {
    if (signal?.aborted) return Promise.reject(new LimiterAbortedError(`waiting for a ${key} slot was aborted`));
    const state = this.stateOf(key);
    if (state.waiters[lane].length === 0 && this.admits(state, lane)) {
      const release = this.take(key, state, lane);
      this.report(key, state);
      return Promise.resolve(release);
    }
    return new Promise<Release>((resolve, reject) => {
      const onAbort = (): void => {
        const queue = state.waiters[lane];
        const index = queue.indexOf(waiter);
        if (index >= 0) queue.splice(index, 1);
        this.forgetIfIdle(key, state);
        this.report(key, state);
        reject(new LimiterAbortedError(`waiting for a ${key} slot was aborted`));
      };
      const waiter: Waiter = { resolve, reject, detach: () => signal?.removeEventListener('abort', onAbort) };
      signal?.addEventListener('abort', onAbort, { once: true });
      state.waiters[lane].push(waiter);
      this.report(key, state);
    });
  }

  usage(key: string): KeyUsage {
    const state = this.keys.get(key);
    if (!state) {
      const capacity = this.capacityOf(key);
      const asyncLimit = asyncLimitFor(capacity, this.settings.reservedRealtimeShare);
      return { capacity, asyncLimit, inUse: { realtime: 0, async: 0 }, waiting: { realtime: 0, async: 0 } };
    }
    return snapshot(state);
  }

  /** Keys with calls running or waiting. */
  activeKeys(): string[] {
    return [...this.keys.keys()];
  }

  private stateOf(key: string): KeyState {
    let state = this.keys.get(key);
    if (!state) {
      const capacity = this.capacityOf(key);
      state = {
        capacity,
        asyncLimit: asyncLimitFor(capacity, this.settings.reservedRealtimeShare),
        inUse: { realtime: 0, async: 0 },
        waiters: { realtime: [], async: [] },
      };
      this.keys.set(key, state);
    }
    return state;
  }

  private capacityOf(key: string): number {
    const capacity = this.settings.capacity(key);
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity of ${key} must be a positive integer, got ${capacity}`);
    return capacity;
  }

  private admits(state: KeyState, lane: WorkerLane): boolean {
    const total = state.inUse.realtime + state.inUse.async;
    if (total >= state.capacity) return false;
    return lane === 'realtime' || state.inUse.async < state.asyncLimit;
  }

  private take(key: string, state: KeyState, lane: WorkerLane): Release {
    state.inUse[lane] += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      state.inUse[lane] -= 1;
      this.admitWaiters(key, state);
      this.forgetIfIdle(key, state);
      this.report(key, state);
    };
  }

  private admitWaiters(key: string, state: KeyState): void {
    for (const lane of ['realtime', 'async'] as const) {
      const queue = state.waiters[lane];
      while (queue.length > 0 && this.admits(state, lane)) {
        const waiter = queue.shift()!;
        waiter.detach();
        waiter.resolve(this.take(key, state, lane));
      }
    }
  }

  private forgetIfIdle(key: string, state: KeyState): void {
    const busy = state.inUse.realtime + state.inUse.async + state.waiters.realtime.length + state.waiters.async.length;
    if (busy === 0 && this.keys.get(key) === state) this.keys.delete(key);
  }

  private report(key: string, state: KeyState): void {
    this.onChange(key, snapshot(state));
  }
}

function snapshot(state: KeyState): KeyUsage {
  return {
    capacity: state.capacity,
    asyncLimit: state.asyncLimit,
    inUse: { ...state.inUse },
    waiting: { realtime: state.waiters.realtime.length, async: state.waiters.async.length },
  };
}
