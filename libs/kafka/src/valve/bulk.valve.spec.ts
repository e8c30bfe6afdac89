import { BulkValve } from './bulk.valve';
import type { ValvePolicy, Watermarks } from './valve.policy';

const policy: ValvePolicy = { dutyPercent: 20, holdMs: 3_000, probeIntervalMs: 500, maxRestMs: 2_000 };

/** Lets pending promise callbacks (the signal's answer) run. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function setUp(overrides: Partial<ValvePolicy> = {}) {
  let now = 10_000;
  let high = 0n;
  const probes: number[] = [];
  const rests: number[] = [];
  const changes: boolean[] = [];
  const signal = (): Promise<Watermarks> => {
    probes.push(now);
    return Promise.resolve(new Map([['urgent:0', high]]));
  };
  const valve = new BulkValve(
    signal,
    { ...policy, ...overrides },
    { changed: (narrow) => changes.push(narrow) },
    () => now,
    (ms) => {
      rests.push(ms);
      now += ms;
      return Promise.resolve();
    },
  );
  return {
    valve,
    probes,
    rests,
    changes,
    advance: (ms: number) => (now += ms),
    urgentTraffic: (messages: number) => (high += BigInt(messages)),
  };
}

/** Urgent traffic seen: a first probe sets the mark, a later one sees it moved. */
async function narrowed(setup: ReturnType<typeof setUp>): Promise<void> {
  (await setup.valve.admit())();
  await settle();
  setup.urgentTraffic(5);
  setup.advance(500);
  (await setup.valve.admit())();
  await settle();
}

describe('BulkValve', () => {
  it('stays open, without rests, while the urgent topic does not grow', async () => {
    const setup = setUp();
    for (let piece = 0; piece < 5; piece += 1) {
      const done = await setup.valve.admit();
      setup.advance(300);
      done();
      await settle();
    }
    expect(setup.valve.narrow).toBe(false);
    expect(setup.rests).toEqual([]);
  });

  it('reads the signal only when work asks, at most once per probe interval', async () => {
    const setup = setUp();
    for (let piece = 0; piece < 10; piece += 1) {
      (await setup.valve.admit())();
      await settle();
      setup.advance(100);
    }
    expect(setup.probes).toEqual([10_000, 10_500]);
  });

  it('narrows once the urgent topic grew, and then rests after each piece in proportion to it', async () => {
    const setup = setUp();
    await narrowed(setup);
    expect(setup.valve.narrow).toBe(true);
    expect(setup.changes).toEqual([true]);

    const first = await setup.valve.admit();
    setup.advance(50);
    first();
    const second = await setup.valve.admit();
    second();
    // 50 ms of work at a 20 % duty: 200 ms of rest before the next piece.
    expect(setup.rests).toEqual([200]);
  });

  it('runs narrow pieces one at a time', async () => {
    const setup = setUp();
    await narrowed(setup);
    const first = await setup.valve.admit();
    let secondStarted = false;
    const second = setup.valve.admit().then((done) => {
      secondStarted = true;
      return done;
    });
    await settle();
    expect(secondStarted).toBe(false);
    first();
    (await second)();
    expect(secondStarted).toBe(true);
  });

  it('opens again holdMs after the urgent topic last grew', async () => {
    const setup = setUp();
    await narrowed(setup);
    setup.advance(3_000);
    (await setup.valve.admit())();
    expect(setup.valve.narrow).toBe(false);
    expect(setup.changes).toEqual([true, false]);
  });

  it('never narrows at a duty of 100 %', async () => {
    const setup = setUp({ dutyPercent: 100 });
    await narrowed(setup);
    expect(setup.valve.narrow).toBe(false);
  });

  it('keeps its decision when the signal cannot be read', async () => {
    const failures: unknown[] = [];
    const valve = new BulkValve(() => Promise.reject(new Error('broker away')), policy, { probeFailed: (error) => failures.push(error) });
    (await valve.admit())();
    await settle();
    expect(valve.narrow).toBe(false);
    expect(failures).toHaveLength(1);
  });
});
