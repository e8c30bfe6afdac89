import { NonRetryableError } from '../errors/non-retryable.error';
import { RetryableError } from '../errors/retryable.error';
import type { ConsumedMessage } from '../port/message.types';
import { silentLogger } from '../testing/fake.driver';
import type { MessageOutcome } from './consumer.types';
import { OutageBoard } from './outage.board';
import { RetryLoop } from './retry.loop';
import { resolveRetryPolicy } from './retry.policy';

const item = (offset: number): { message: ConsumedMessage } => ({
  message: { topic: 't', partition: 0, offset: String(offset), key: null, value: null, headers: {}, timestamp: '0' },
});

function loop(maxRetries = 2, outages?: OutageBoard): { retries: RetryLoop; counters: { handled: number; retries: number }; winding: AbortController } {
  const counters = { handled: 0, retries: 0 };
  const winding = new AbortController();
  const retries = new RetryLoop({
    policy: resolveRetryPolicy({ maxRetries, initialDelayMs: 1, maxDelayMs: 2, jitter: 0 }),
    logger: silentLogger,
    groupId: 'g',
    counters,
    winding: winding.signal,
    abandon: new AbortController().signal,
    outages,
  });
  return { retries, counters, winding };
}

describe('RetryLoop', () => {
  it('shows its wait on the outage board while the dependency is away, and takes it down when the work goes through', async () => {
    const board = new OutageBoard();
    const { retries } = loop(1, board);
    const outage = Object.assign(new Error('the ledger database is unavailable: ECONNREFUSED'), {
      name: 'DependencyUnavailableError',
      dependency: 'the ledger database',
    });
    const seen: Array<ReturnType<OutageBoard['report']>> = [];
    const result = await retries.run(
      [item(0)],
      (_items, attempt) => {
        seen.push(board.report());
        if (attempt <= 3) throw outage;
      },
      async () => 'done',
    );
    expect(result).toEqual({ settled: 'done', held: [] });
    expect(seen.map((report) => report.map(({ dependency, reason, waiting }) => ({ dependency, reason, waiting })))).toEqual([
      [],
      [{ dependency: 'the ledger database', reason: 'the ledger database is unavailable: ECONNREFUSED', waiting: 1 }],
      [{ dependency: 'the ledger database', reason: 'the ledger database is unavailable: ECONNREFUSED', waiting: 1 }],
      [{ dependency: 'the ledger database', reason: 'the ledger database is unavailable: ECONNREFUSED', waiting: 1 }],
    ]);
    expect(board.report()).toEqual([]);
  });

  it('takes its wait down when it stops during an outage', async () => {
    const board = new OutageBoard();
    const { retries, winding } = loop(1, board);
    const outage = Object.assign(new Error('down'), { name: 'DependencyUnavailableError', dependency: 'the Kafka broker' });
    const result = await retries.run(
      [item(0)],
      () => {
        if (board.report().length > 0) winding.abort();
        throw outage;
      },
      async () => 'done',
    );
    expect(result).toEqual({ settled: 'abandoned' });
    expect(board.report()).toEqual([]);
  });

  it('fails every item with what the attempt threw, and gives up on them once the retries are used up', async () => {
    const { retries, counters } = loop(1);
    const attempts: number[] = [];
    const givenUp: string[] = [];
    const result = await retries.run(
      [item(0), item(1)],
      (_items, attempt) => {
        attempts.push(attempt);
        throw new Error('boom');
      },
      async ({ message }, failure) => {
        givenUp.push(`${message.offset}:${failure.attempts}:${failure.message}`);
        return 'done';
      },
    );
    expect(result).toEqual({ settled: 'done', held: [] });
    expect(attempts).toEqual([1, 2]);
    expect(givenUp).toEqual(['0:2:boom', '1:2:boom']);
    expect(counters).toEqual({ handled: 0, retries: 2 });
  });

  it('retries items that failed for an outage past the retry budget, until the dependency answers, and gives up on none', async () => {
    const { retries, counters } = loop(1);
    const outage = Object.assign(new Error('database "sluice" is not currently accepting connections'), { name: 'DependencyUnavailableError' });
    const wrapped = new Error('routing the batch failed', { cause: outage });
    const attempts: number[] = [];
    const givenUp: string[] = [];
    const result = await retries.run(
      [item(0), item(1)],
      (items, attempt): MessageOutcome[] => {
        attempts.push(attempt);
        // Item 1 fails for a bug, item 0 for the outage; the outage lasts five attempts.
        return items.map(({ message }) =>
          message.offset === '1'
            ? { ok: false, error: new Error('bug') }
            : attempt <= 5
              ? { ok: false, error: attempt % 2 === 0 ? wrapped : outage }
              : { ok: true },
        );
      },
      async ({ message }, failure) => {
        givenUp.push(`${message.offset}:${failure.code}`);
        return 'done';
      },
    );
    expect(result).toEqual({ settled: 'done', held: [] });
    expect(attempts).toEqual([1, 2, 3, 4, 5, 6]);
    expect(givenUp).toEqual(['1:UNEXPECTED_ERROR']);
    expect(counters.handled).toBe(1);
  });

  it('treats a wrong number of outcomes as a failure of every item', async () => {
    const { retries } = loop(0);
    const givenUp: string[] = [];
    await retries.run(
      [item(0), item(1)],
      (): MessageOutcome[] => [{ ok: true }],
      async (_item, failure) => {
        givenUp.push(failure.message);
        return 'done';
      },
    );
    expect(givenUp).toEqual(['batch handler returned 1 outcomes for 2 messages', 'batch handler returned 1 outcomes for 2 messages']);
  });

  it('gives up at once on a non-retryable failure and lists held items', async () => {
    const { retries, counters } = loop();
    const held = Promise.resolve('durable' as const);
    const givenUp: string[] = [];
    const result = await retries.run(
      [item(0), item(1)],
      (): MessageOutcome[] => [
        { ok: true, held },
        { ok: false, error: new NonRetryableError('BAD', 'no') },
      ],
      async ({ message }, failure) => {
        givenUp.push(`${message.offset}:${failure.code}:${failure.attempts}`);
        return 'done';
      },
    );
    expect(givenUp).toEqual(['1:BAD:1']);
    expect(result).toEqual({ settled: 'done', held: [{ item: item(0), held }] });
    expect(counters).toEqual({ handled: 1, retries: 0 });
  });

  it('abandons the work when stopping begins during a wait between attempts', async () => {
    const { retries, winding } = loop(5);
    const result = await retries.run(
      [item(0)],
      () => {
        winding.abort();
        throw new RetryableError('later', { retryAfterMs: 60_000 });
      },
      async () => 'done',
    );
    expect(result).toEqual({ settled: 'abandoned' });
  });
});
