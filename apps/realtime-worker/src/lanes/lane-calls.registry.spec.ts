import { LaneCallsRegistry, RecordPlace } from './lane-calls.registry';

class Aborted extends Error {}

const place = (partition: number, offset = '0', topic = 'lane'): RecordPlace => ({ topic, partition, offset });

/** A call that runs until finished from the test, or rejects with Aborted when its signal fires. */
function controllable() {
  const calls: Array<{ signal: AbortSignal; finish(): void; fail(error: unknown): void }> = [];
  const call = (signal: AbortSignal): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      signal.addEventListener('abort', () => reject(new Aborted()), { once: true });
      calls.push({ signal, finish: resolve, fail: reject });
    });
  return { calls, call };
}

function registry(): LaneCallsRegistry {
  return new LaneCallsRegistry((error) => error instanceof Aborted);
}

describe('LaneCallsRegistry', () => {
  it('is durable once the call completes, and forgets it', async () => {
    const calls = registry();
    const { calls: started, call } = controllable();
    const outcome = calls.hold(place(0), call);
    expect(calls.stats()).toEqual({ running: 1, maxRunning: 1 });
    started[0]!.finish();
    await expect(outcome).resolves.toBe('durable');
    expect(calls.stats().running).toBe(0);
  });

  it('adopts a redelivered record whose call still runs instead of calling again', async () => {
    const calls = registry();
    const { calls: started, call } = controllable();
    const first = calls.hold(place(1, '7'), call);
    const again = calls.hold(place(1, '7'), call);
    expect(started).toHaveLength(1);
    started[0]!.finish();
    await expect(Promise.all([first, again])).resolves.toEqual(['durable', 'durable']);
  });

  it('calls again for a record whose earlier call already ended', async () => {
    const calls = registry();
    const { calls: started, call } = controllable();
    const first = calls.hold(place(1, '7'), call);
    started[0]!.finish();
    await first;
    void calls.hold(place(1, '7'), call);
    expect(started).toHaveLength(2);
  });

  it('aborts the calls of partitions assigned elsewhere and hands them back; the others run on', async () => {
    const calls = registry();
    const { calls: started, call } = controllable();
    const kept = calls.hold(place(0), call);
    const moved = calls.hold(place(2), call);
    const otherTopic = calls.hold(place(0, '0', 'other'), call);
    expect(calls.assigned({ lane: [0, 1] })).toBe(2);
    await expect(moved).resolves.toBe('handed-back');
    await expect(otherTopic).resolves.toBe('handed-back');
    expect(started[0]!.signal.aborted).toBe(false);
    started[0]!.finish();
    await expect(kept).resolves.toBe('durable');
  });

  it('hands back every running call on abortAll', async () => {
    const calls = registry();
    const { call } = controllable();
    const outcomes = [calls.hold(place(0), call), calls.hold(place(1), call)];
    calls.abortAll(new Error('stopping'));
    await expect(Promise.all(outcomes)).resolves.toEqual(['handed-back', 'handed-back']);
    await calls.settled();
    expect(calls.stats()).toEqual({ running: 0, maxRunning: 2 });
  });

  it("aborts the call when the runner's signal fires", async () => {
    const calls = registry();
    const { call } = controllable();
    const runner = new AbortController();
    const outcome = calls.hold(place(0), call, runner.signal);
    runner.abort();
    await expect(outcome).resolves.toBe('handed-back');
  });

  it('rejects with the error of a call that failed by itself, so the message is dead-lettered', async () => {
    const calls = registry();
    const { calls: started, call } = controllable();
    const outcome = calls.hold(place(0), call);
    started[0]!.fail(new TypeError('a bug'));
    await expect(outcome).rejects.toThrow('a bug');
    expect(calls.stats().running).toBe(0);
  });

  it('rejects an error that is not the abort even when the signal fired meanwhile', async () => {
    const calls = registry();
    const { calls: started, call } = controllable();
    const outcome = calls.hold(place(0), call);
    started[0]!.fail(new TypeError('a bug'));
    calls.abortAll(new Error('stopping'));
    await expect(outcome).rejects.toThrow('a bug');
  });
});
