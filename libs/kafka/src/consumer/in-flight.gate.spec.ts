import { InFlightGate, validateWatermarks } from './in-flight.gate';

function gate(highWaterMark: number, lowWaterMark: number) {
  const events: string[] = [];
  const instance = new InFlightGate({ highWaterMark, lowWaterMark }, { onPause: () => events.push('pause'), onResume: () => events.push('resume') });
  return { gate: instance, events };
}

async function settled<T>(promise: Promise<T>): Promise<T | 'pending'> {
  return Promise.race([promise, new Promise<'pending'>((resolve) => setImmediate(() => resolve('pending')))]);
}

describe('InFlightGate', () => {
  it('admits up to the high-water mark, then pauses', async () => {
    const { gate: g, events } = gate(3, 1);
    expect(await g.acquire()).toBe(true);
    expect(await g.acquire()).toBe(true);
    expect(events).toEqual([]);
    expect(await g.acquire()).toBe(true);
    expect(events).toEqual(['pause']);
    const fourth = g.acquire();
    expect(await settled(fourth)).toBe('pending');
    expect(g.stats()).toMatchObject({ inFlight: 3, maxInFlight: 3, pauses: 1 });
  });

  it('stays paused until in-flight falls under the low-water mark', async () => {
    const { gate: g, events } = gate(3, 2);
    await Promise.all([g.acquire(), g.acquire(), g.acquire()]);
    const waiting = g.acquire();
    g.release();
    expect(g.stats().inFlight).toBe(2);
    expect(await settled(waiting)).toBe('pending');
    g.release();
    expect(await waiting).toBe(true);
    expect(events).toEqual(['pause', 'resume']);
    expect(g.stats()).toMatchObject({ inFlight: 2, pauses: 1, resumes: 1 });
  });

  it('never lets in-flight exceed the high-water mark under contention', async () => {
    const { gate: g } = gate(5, 2);
    const admitted = Array.from({ length: 20 }, () => g.acquire());
    for (let i = 0; i < 20; i += 1) {
      await Promise.resolve();
      expect(g.stats().inFlight).toBeLessThanOrEqual(5);
      g.release();
    }
    await Promise.all(admitted);
    expect(g.stats().maxInFlight).toBe(5);
  });

  it('admits a group larger than the mark only when idle', async () => {
    const { gate: g } = gate(5, 2);
    expect(await g.acquire(8)).toBe(true);
    const next = g.acquire(2);
    expect(await settled(next)).toBe('pending');
    g.release(8);
    expect(await next).toBe(true);
  });

  it('holds new work while manually paused, independent of load', async () => {
    const { gate: g, events } = gate(5, 2);
    g.pause();
    const held = g.acquire();
    expect(await settled(held)).toBe('pending');
    g.resume();
    expect(await held).toBe(true);
    expect(events).toEqual(['pause', 'resume']);
  });

  it('does not resume on load relief while manually paused', async () => {
    const { gate: g, events } = gate(2, 1);
    await g.acquire();
    await g.acquire();
    g.pause();
    g.release();
    g.release();
    expect(g.paused).toBe(true);
    expect(events).toEqual(['pause']);
    g.resume();
    expect(events).toEqual(['pause', 'resume']);
  });

  it('refuses waiting and later acquires once closed', async () => {
    const { gate: g } = gate(1, 1);
    await g.acquire();
    const waiting = g.acquire();
    g.close();
    expect(await waiting).toBe(false);
    expect(await g.acquire()).toBe(false);
  });

  it('validates the marks', () => {
    expect(() => validateWatermarks({ highWaterMark: 0, lowWaterMark: 0 })).toThrow('highWaterMark');
    expect(() => validateWatermarks({ highWaterMark: 5, lowWaterMark: 6 })).toThrow('lowWaterMark');
  });
});
