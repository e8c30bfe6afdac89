import { DependencyUnavailableError } from '@sluice/contracts';
import { ShutdownAbortError } from '../calls/provider.caller';
import { publishThroughOutage } from './result-publish.retry';

const FAST = { initialDelayMs: 1, maxDelayMs: 4, multiplier: 2, jitter: 0 };
const brokerAway = (): DependencyUnavailableError => new DependencyUnavailableError('the Kafka broker', new Error('connect ECONNREFUSED'));

describe('publishThroughOutage', () => {
  it('publishes again while the broker is away, and once it is back stops', async () => {
    let calls = 0;
    const waits: number[] = [];
    await publishThroughOutage(
      async () => {
        calls += 1;
        if (calls <= 3) throw brokerAway();
      },
      new AbortController().signal,
      (_error, attempt) => waits.push(attempt),
      FAST,
    );
    expect(calls).toBe(4);
    expect(waits).toEqual([1, 2, 3]);
  });

  it('throws any other failure at once', async () => {
    let calls = 0;
    const tooLarge = new Error('the message is larger than the broker takes');
    await expect(
      publishThroughOutage(
        async () => {
          calls += 1;
          throw tooLarge;
        },
        new AbortController().signal,
        () => undefined,
        FAST,
      ),
    ).rejects.toBe(tooLarge);
    expect(calls).toBe(1);
  });

  it('ends in a ShutdownAbortError when the worker stops waiting during the outage, so the message is handed back', async () => {
    const stopping = new AbortController();
    let calls = 0;
    await expect(
      publishThroughOutage(
        async () => {
          calls += 1;
          if (calls === 2) stopping.abort();
          throw brokerAway();
        },
        stopping.signal,
        () => undefined,
        FAST,
      ),
    ).rejects.toBeInstanceOf(ShutdownAbortError);
    expect(calls).toBe(2);
  });

  it('cuts a backoff wait short when the worker stops waiting, instead of sleeping it out', async () => {
    const stopping = new AbortController();
    const hour = { initialDelayMs: 3_600_000, maxDelayMs: 3_600_000, multiplier: 2, jitter: 0 };
    await expect(
      publishThroughOutage(
        async () => {
          throw brokerAway();
        },
        stopping.signal,
        () => setImmediate(() => stopping.abort()),
        hour,
      ),
    ).rejects.toBeInstanceOf(ShutdownAbortError);
  });
});
