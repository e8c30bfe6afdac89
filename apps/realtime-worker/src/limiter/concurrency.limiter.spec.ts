import { asyncLimitFor, ConcurrencyLimiter, KeyUsage, LimiterAbortedError, Release, WorkerLane } from './concurrency.limiter';

const KEY = 'openai:gpt-4o-mini';

function limiter(capacity = 10, reservedRealtimeShare = 0.3): ConcurrencyLimiter {
  return new ConcurrencyLimiter({ capacity: () => capacity, reservedRealtimeShare });
}

/** Starts an acquire and records when (and whether) it was granted. */
function pending(target: ConcurrencyLimiter, lane: WorkerLane, signal?: AbortSignal) {
  const state: { release?: Release; error?: unknown } = {};
  const promise = target.acquire(KEY, lane, signal).then(
    (release) => {
      state.release = release;
    },
    (error: unknown) => {
      state.error = error;
    },
  );
  return { state, settled: promise };
}

async function take(target: ConcurrencyLimiter, lane: WorkerLane, count: number): Promise<Release[]> {
  const releases: Release[] = [];
  for (let i = 0; i < count; i += 1) releases.push(await target.acquire(KEY, lane));
  return releases;
}

// Lets granted waiters' promise callbacks run.
const flush = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('asyncLimitFor', () => {
  it('keeps the reserved share out of reach of async work', () => {
    expect(asyncLimitFor(32, 0.3)).toBe(22);
    expect(asyncLimitFor(10, 0.3)).toBe(7);
    expect(asyncLimitFor(10, 0)).toBe(10);
  });

  it('reserves at least one whole slot, but never shuts async out', () => {
    expect(asyncLimitFor(10, 0.01)).toBe(9);
    expect(asyncLimitFor(2, 0.9)).toBe(1);
    expect(asyncLimitFor(1, 0.3)).toBe(1);
  });
});

describe('ConcurrencyLimiter', () => {
  it('lets async take at most (1 - share) of the slots, however many async calls wait', async () => {
    const target = limiter(10, 0.3);
    await take(target, 'async', 7);
    const eighth = pending(target, 'async');
    await flush();
    expect(eighth.state.release).toBeUndefined();
    expect(target.usage(KEY)).toMatchObject({ asyncLimit: 7, inUse: { realtime: 0, async: 7 }, waiting: { async: 1 } });
  });

  it('keeps the reserved slots free for realtime while async is saturated', async () => {
    const target = limiter(10, 0.3);
    await take(target, 'async', 7);
    pending(target, 'async');
    const realtime = await take(target, 'realtime', 3);
    expect(realtime).toHaveLength(3);
    expect(target.usage(KEY).inUse).toEqual({ realtime: 3, async: 7 });
  });

  it('lets realtime use every slot', async () => {
    const target = limiter(10, 0.3);
    await take(target, 'realtime', 10);
    const eleventh = pending(target, 'realtime');
    await flush();
    expect(eleventh.state.release).toBeUndefined();
    expect(target.usage(KEY).inUse.realtime).toBe(10);
  });

  it('gives a freed slot to a waiting realtime call before a waiting async one', async () => {
    const target = limiter(4, 0.25);
    const held = await take(target, 'realtime', 4);
    const asyncWaiter = pending(target, 'async');
    const realtimeWaiter = pending(target, 'realtime');
    held[0]!();
    await flush();
    expect(realtimeWaiter.state.release).toBeDefined();
    expect(asyncWaiter.state.release).toBeUndefined();
    held[1]!();
    await flush();
    expect(asyncWaiter.state.release).toBeDefined();
  });

  it('admits async waiters only up to the async limit as slots free up', async () => {
    const target = limiter(4, 0.5);
    const held = await take(target, 'realtime', 4);
    const waiters = [pending(target, 'async'), pending(target, 'async'), pending(target, 'async')];
    for (const release of held) release();
    await flush();
    expect(waiters.filter((waiter) => waiter.state.release).length).toBe(2);
    expect(target.usage(KEY).inUse).toEqual({ realtime: 0, async: 2 });
    waiters[0]!.state.release!();
    await flush();
    expect(waiters.filter((waiter) => waiter.state.release).length).toBe(3);
  });

  it('serves waiters of one lane in arrival order', async () => {
    const target = limiter(1, 0);
    const [held] = await take(target, 'realtime', 1);
    const first = pending(target, 'realtime');
    const second = pending(target, 'realtime');
    held!();
    await flush();
    expect(first.state.release).toBeDefined();
    expect(second.state.release).toBeUndefined();
  });

  it('does not let a newcomer jump the queue of its lane', async () => {
    const target = limiter(2, 0);
    const held = await take(target, 'realtime', 2);
    const waiting = pending(target, 'realtime');
    held[0]!();
    const newcomer = pending(target, 'realtime');
    await flush();
    expect(waiting.state.release).toBeDefined();
    expect(newcomer.state.release).toBeUndefined();
  });

  it('keeps keys apart', async () => {
    const target = limiter(1, 0);
    await target.acquire('openai:gpt-4o', 'realtime');
    await expect(target.acquire('anthropic:claude-haiku-4-5', 'realtime')).resolves.toEqual(expect.any(Function));
  });

  it('takes each key capacity from the settings', async () => {
    const target = new ConcurrencyLimiter({ capacity: (key) => (key === 'openai:gpt-4o' ? 2 : 1), reservedRealtimeShare: 0 });
    expect(target.usage('openai:gpt-4o').capacity).toBe(2);
    expect(target.usage('openai:o4-mini').capacity).toBe(1);
  });

  it('rejects a waiter whose signal fires, and forgets it', async () => {
    const target = limiter(1, 0);
    await take(target, 'realtime', 1);
    const controller = new AbortController();
    const waiter = pending(target, 'realtime', controller.signal);
    controller.abort();
    await waiter.settled;
    expect(waiter.state.error).toBeInstanceOf(LimiterAbortedError);
    expect(target.usage(KEY).waiting.realtime).toBe(0);
  });

  it('rejects at once when the signal has already fired', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(limiter().acquire(KEY, 'async', controller.signal)).rejects.toBeInstanceOf(LimiterAbortedError);
  });

  it('ignores a second release of the same slot', async () => {
    const target = limiter(2, 0);
    const [first] = await take(target, 'realtime', 2);
    first!();
    first!();
    expect(target.usage(KEY).inUse.realtime).toBe(1);
  });

  it('forgets idle keys', async () => {
    const target = limiter();
    const [release] = await take(target, 'async', 1);
    expect(target.activeKeys()).toEqual([KEY]);
    release!();
    expect(target.activeKeys()).toEqual([]);
  });

  it('reports every change of a key usage', async () => {
    const changes: KeyUsage[] = [];
    const target = new ConcurrencyLimiter({ capacity: () => 1, reservedRealtimeShare: 0 }, (_key, usage) => changes.push(usage));
    const release = await target.acquire(KEY, 'realtime');
    release();
    expect(changes.map((usage) => usage.inUse.realtime)).toEqual([1, 0]);
  });

  it('refuses a share outside [0, 1) and a capacity below 1', () => {
    expect(() => limiter(10, 1)).toThrow(RangeError);
    expect(() => limiter(10, -0.1)).toThrow(RangeError);
    expect(() => limiter(0, 0.3).usage(KEY)).toThrow(RangeError);
  });
});
