import { DependencyUnavailableError } from '@sluice/contracts';
import { waitFor } from '@sluice/testing';
import { DeadLetterHeader } from '../dead-letter/dead-letter.headers';
import { NonRetryableError } from '../errors/non-retryable.error';
import { RetryableError } from '../errors/retryable.error';
import { KafkaProducer } from '../producer/kafka.producer';
import { latch } from '../testing/latch';
import { FakeKafkaDriver } from '../testing/fake.driver';
import type { BatchModeOptions, MessageModeOptions } from './consumer-runner.options';
import { ConsumerRunner } from './consumer.runner';
import type { HoldOutcome, InboundMessage, MessageOutcome } from './consumer.types';

interface Item {
  n: number;
}

const TOPIC = 'items';
const DLQ = 'items.dlq';

/** The runner's logic against a fake driver: no broker, every step observable. */
describe('ConsumerRunner (fake driver)', () => {
  let kafka: FakeKafkaDriver;
  let deadLetterProducer: KafkaProducer;
  const runners: Array<ConsumerRunner<Item>> = [];

  beforeEach(async () => {
    kafka = new FakeKafkaDriver();
    deadLetterProducer = new KafkaProducer(kafka);
    await deadLetterProducer.connect();
  });

  afterEach(async () => {
    kafka.producerDriver.gate = undefined;
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
  });

  async function started(
    options: Omit<BatchModeOptions<Item>, 'kafka' | 'groupId' | 'topics'> | Omit<MessageModeOptions<Item>, 'kafka' | 'groupId' | 'topics'>,
  ): Promise<ConsumerRunner<Item>> {
    const runner = new ConsumerRunner<Item>({
      kafka,
      groupId: 'g',
      topics: [TOPIC],
      deadLetter: { producer: deadLetterProducer, topic: DLQ },
      retry: { initialDelayMs: 1, maxDelayMs: 5, jitter: 0 },
      onFatal: (error) => {
        throw new Error(`unexpected fatal in test: ${error.message}`);
      },
      ...options,
    } as BatchModeOptions<Item>);
    runners.push(runner);
    await runner.start();
    return runner;
  }

  /** Commits may fold together, but a partition's never go back and end past its last message. */
  function expectCommittedInOrderTo(partition: number, last: string): void {
    const offsets = kafka.consumerDriver.committed(TOPIC, partition).map(Number);
    expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(offsets.at(-1)).toBe(Number(last));
  }

  const items = (count: number, from = 0, padding = ''): Array<{ key: string; value: object }> =>
    Array.from({ length: count }, (_, index) => ({ key: `k${from + index}`, value: { n: from + index, padding } }));

  it('hands a batch handler groups bounded by bytes as well as by count', async () => {
    const groups: number[][] = [];
    await started({
      maxBatchSize: 4,
      // Each value is {"n":<n>,"padding":"<100 x>"}: about 120 bytes with its key.
      maxBatchBytes: 300,
      handleBatch: (messages: ReadonlyArray<InboundMessage<Item>>) => void groups.push(messages.map((message) => message.value.n)),
    });
    await kafka.consumerDriver.deliver(TOPIC, 0, items(7, 0, 'x'.repeat(100)));
    expect(groups).toEqual([[0, 1], [2, 3], [4, 5], [6]]);
    expectCommittedInOrderTo(0, '7');
  });

  it('consumes several partitions at once by default, within the in-flight bound, each committed in order', async () => {
    const release = latch();
    const running = new Set<number>();
    let mostAtOnce = 0;
    const runner = await started({
      maxBatchSize: 5,
      backpressure: { highWaterMark: 10, lowWaterMark: 5 },
      handleBatch: async (messages: ReadonlyArray<InboundMessage<Item>>) => {
        const partition = messages[0]!.context.partition;
        running.add(partition);
        mostAtOnce = Math.max(mostAtOnce, running.size);
        await release.opened;
        running.delete(partition);
      },
    });
    expect(kafka.consumerDriver.partitionsConsumedConcurrently).toBeGreaterThan(1);
    const batches = [0, 1, 2].map((partition) => kafka.consumerDriver.deliver(TOPIC, partition, items(15, partition * 100)));
    await waitFor(() => running.size === 2, { description: 'two partitions handled at once' });
    // Two groups of five fill the gate: the third partition waits for room, and fetching pauses.
    expect(running.size).toBe(2);
    expect(kafka.consumerDriver.fetchControl).toEqual(['pause']);
    release.open();
    await Promise.all(batches);
    expect(mostAtOnce).toBe(2);
    expect(runner.stats().maxInFlight).toBe(10);
    for (const partition of [0, 1, 2]) expectCommittedInOrderTo(partition, '15');
  });

  it('goes on with the next groups while a commit is in flight, folding their commits into one', async () => {
    const coordinator = latch();
    const firstCommit = latch();
    kafka.consumerDriver.commitGate = () => {
      firstCommit.open();
      return coordinator.opened;
    };
    const handled: number[] = [];
    await started({ maxBatchSize: 10, handleBatch: (messages: ReadonlyArray<InboundMessage<Item>>) => void handled.push(messages.length) });
    const batch = kafka.consumerDriver.deliver(TOPIC, 0, items(100));
    await firstCommit.opened;
    await waitFor(() => handled.length === 10, { description: 'every group handled while the first commit waits' });
    coordinator.open();
    await batch;
    expect(kafka.consumerDriver.committed(TOPIC, 0)).toEqual(['10', '100']);
  });

  it('dead-letters held messages whose shared work fails with their keys, but not their values or headers, which it no longer keeps', async () => {
    const work = latch();
    let fail!: (error: Error) => void;
    const failing = new Promise<HoldOutcome>((_resolve, reject) => (fail = reject));
    await started({
      handleBatch: (messages: ReadonlyArray<InboundMessage<Item>>): MessageOutcome[] =>
        messages.map((message) => (message.value.n === 0 ? { ok: true } : { ok: true, held: failing })),
    });
    await kafka.consumerDriver.deliver(TOPIC, 0, [
      { key: 'k0', value: { n: 0 } },
      { key: 'k1', value: { n: 1 }, headers: { tenant: 't1' } },
      { key: 'k2', value: { n: 2 } },
    ]);
    expect(kafka.consumerDriver.committed(TOPIC, 0)).toEqual(['1']);
    fail(new NonRetryableError('WINDOW_FAILED', 'the window could not be submitted'));
    work.open();
    await waitFor(() => kafka.consumerDriver.committed(TOPIC, 0).includes('3'), { description: 'the commit past the failed hold' });
    const parked = kafka.producerDriver.sent;
    expect(parked.map((record) => record.topic)).toEqual([DLQ, DLQ]);
    expect(parked.map((record) => record.message.key?.toString())).toEqual(['k1', 'k2']);
    expect(parked.map((record) => record.message.value)).toEqual([null, null]);
    expect(parked[0]?.message.headers).toMatchObject({ [DeadLetterHeader.OriginalOffset]: '1' });
    expect(parked[0]?.message.headers).not.toHaveProperty('tenant');
    expect(parked[1]?.message.headers).toMatchObject({ [DeadLetterHeader.OriginalOffset]: '2' });
  });

  it('does not commit past a failed message whose dead-letter write was cut short by a stop that gave up waiting', async () => {
    const deadLetterWrite = latch();
    const writing = latch();
    kafka.producerDriver.gate = () => {
      writing.open();
      return deadLetterWrite.opened;
    };
    let signal!: AbortSignal;
    const runner = await started({
      shutdownTimeoutMs: 20,
      handleBatch: (messages: ReadonlyArray<InboundMessage<Item>>): MessageOutcome[] => {
        signal = messages[0]!.context.signal;
        return messages.map(() => ({ ok: false, error: new NonRetryableError('BAD', 'cannot be handled') }));
      },
    });
    const batch = kafka.consumerDriver.deliver(TOPIC, 0, items(2));
    await writing.opened;
    const stopping = runner.stop();
    await waitFor(() => signal.aborted, { description: 'the runner to give up waiting for the batch' });
    deadLetterWrite.open();
    await batch;
    await stopping;
    // The first message was parked, the second was not: neither offset may be committed past.
    expect(kafka.producerDriver.sent).toHaveLength(1);
    expect(kafka.consumerDriver.commits).toEqual([]);
  });

  it('keeps trying a dead-letter write while the broker is unavailable, holding the partition and saying so in health, and commits once it lands', async () => {
    let refusals = 3;
    const waitsSeen: unknown[] = [];
    kafka.producerDriver.gate = () => {
      waitsSeen.push(runner.health().outages);
      return refusals-- > 0 ? Promise.reject(new DependencyUnavailableError('kafka', new Error('connect ECONNREFUSED'))) : Promise.resolve();
    };
    const runner = await started({
      handleBatch: (messages: ReadonlyArray<InboundMessage<Item>>): MessageOutcome[] =>
        messages.map((message) => (message.value.n === 0 ? { ok: false, error: new NonRetryableError('BAD', 'cannot be handled') } : { ok: true })),
    });
    await kafka.consumerDriver.deliver(TOPIC, 0, items(2));
    expect(refusals).toBe(-1);
    expect(kafka.producerDriver.sent.map((record) => record.topic)).toEqual([DLQ]);
    expect(runner.stats()).toMatchObject({ deadLettered: 1 });
    expect(runner.health()).toEqual({ ready: true });
    const waiting = [{ dependency: 'kafka', reason: 'kafka is unavailable: connect ECONNREFUSED', since: expect.any(String) as unknown, waiting: 1 }];
    expect(waitsSeen).toEqual([undefined, waiting, waiting, waiting]);
    expectCommittedInOrderTo(0, '2');
  });

  it('retries a per-message handler, committing each message in order', async () => {
    const attempts: string[] = [];
    await started({
      handle: (value: Item, context) => {
        attempts.push(`${value.n}#${context.attempt}`);
        if (value.n === 1 && context.attempt === 1) throw new RetryableError('try again', { code: 'BUSY' });
      },
    });
    await kafka.consumerDriver.deliver(TOPIC, 0, items(3));
    expect(attempts).toEqual(['0#1', '1#1', '1#2', '2#1']);
    expectCommittedInOrderTo(0, '3');
  });

  it('commits each message of a per-message handler before handing over the next', async () => {
    const committedBefore: string[][] = [];
    await started({
      handle: () => void committedBefore.push(kafka.consumerDriver.committed(TOPIC, 0)),
    });
    await kafka.consumerDriver.deliver(TOPIC, 0, items(3));
    expect(committedBefore).toEqual([[], ['1'], ['1', '2']]);
  });

  it('retries only the failed messages of a batch and dead-letters those that never succeed', async () => {
    const seen: number[][] = [];
    const runner = await started({
      retry: { maxRetries: 2, initialDelayMs: 1, maxDelayMs: 5, jitter: 0 },
      handleBatch: (messages: ReadonlyArray<InboundMessage<Item>>): MessageOutcome[] => {
        seen.push(messages.map((message) => message.value.n));
        return messages.map((message) => (message.value.n % 2 === 0 ? { ok: true } : { ok: false, error: new RetryableError('later', { code: 'BUSY' }) }));
      },
    });
    await kafka.consumerDriver.deliver(TOPIC, 0, items(4));
    expect(seen).toEqual([
      [0, 1, 2, 3],
      [1, 3],
      [1, 3],
    ]);
    expect(kafka.producerDriver.sent.map((sent) => sent.message.headers?.[DeadLetterHeader.OriginalOffset])).toEqual(['1', '3']);
    expect(runner.stats()).toMatchObject({ handled: 2, deadLettered: 2, retries: 4 });
    expect(kafka.consumerDriver.committed(TOPIC, 0)).toEqual(['4']);
  });
});
