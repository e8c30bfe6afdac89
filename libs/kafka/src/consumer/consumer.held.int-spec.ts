import { randomGroupId, waitFor } from '@sluice/testing';
import type { KafkaDriver } from '../port/driver.port';
import {
  collectMessages,
  committedOffsets,
  createRandomTopic,
  deleteTopics,
  fastSession,
  latch,
  produceFixtures,
  testKafka,
  type Latch,
  type MessageCollector,
} from '../testing';
import type { BatchModeOptions } from './consumer-runner.options';
import { ConsumerRunner } from './consumer.runner';
import type { HoldOutcome, MessageOutcome } from './consumer.types';

interface Item {
  n: number;
}

/**
 * Held messages (a batch window waiting to be submitted) on the real broker: the consumer keeps
 * fetching past them, but the committed offset never passes one until its work is durable.
 */
describe('ConsumerRunner with held messages (real broker)', () => {
  let kafka: KafkaDriver;
  const topics: string[] = [];
  const runners: Array<ConsumerRunner<Item>> = [];
  const collectors: MessageCollector[] = [];

  beforeAll(() => {
    kafka = testKafka();
  });

  afterEach(async () => {
    await Promise.all(runners.splice(0).map((runner) => runner.stop()));
    await Promise.all(collectors.splice(0).map((collector) => collector.stop()));
  });

  afterAll(async () => {
    await deleteTopics(kafka, topics);
  });

  async function topicWith(count: number): Promise<{ topic: string; dlq: string }> {
    const topic = await createRandomTopic(kafka, { prefix: 'held' });
    const dlq = await createRandomTopic(kafka, { prefix: 'held-dlq' });
    topics.push(topic, dlq);
    await produceFixtures(
      kafka,
      topic,
      Array.from({ length: count }, (_, n) => ({ key: `k${n}`, value: { n } })),
    );
    return { topic, dlq };
  }

  function runner(options: Omit<BatchModeOptions<Item>, 'kafka' | 'session' | 'onFatal'>): ConsumerRunner<Item> {
    const created = new ConsumerRunner<Item>({
      kafka,
      session: fastSession,
      maxBatchSize: 4,
      onFatal: (error) => {
        throw new Error(`unexpected fatal in test: ${error.message}`);
      },
      ...options,
    });
    runners.push(created);
    return created;
  }

  const committed = async (groupId: string, topic: string): Promise<number | undefined> => (await committedOffsets(kafka, groupId, topic)).get(0);

  it('fetches past held messages but commits only up to the lowest one still held', async () => {
    const { topic, dlq } = await topicWith(10);
    const groupId = randomGroupId('held');
    const seen: number[] = [];
    const holds = new Map<number, { latch: Latch; outcome: HoldOutcome }>();
    for (const n of [2, 6]) holds.set(n, { latch: latch(), outcome: 'durable' });
    const consumer = runner({
      groupId,
      topics: [topic],
      deadLetter: { topic: dlq },
      handleBatch: (messages) =>
        messages.map(({ value }): MessageOutcome => {
          seen.push(value.n);
          const hold = holds.get(value.n);
          return hold ? { ok: true, held: hold.latch.opened.then(() => hold.outcome) } : { ok: true };
        }),
    });
    await consumer.start();

    await waitFor(() => seen.length === 10, { timeoutMs: 30_000, description: 'all ten messages handed to the handler' });
    await waitFor(async () => (await committed(groupId, topic)) === 2, { timeoutMs: 10_000, description: 'the commit held at offset 2' });
    expect(consumer.stats().inFlight).toBe(2);

    holds.get(6)!.latch.open();
    // Releasing a later hold moves nothing: offset 2 still keeps the commit back.
    await waitFor(() => consumer.stats().inFlight === 1, { timeoutMs: 10_000, description: 'the hold on 6 released' });
    expect(await committed(groupId, topic)).toBe(2);

    holds.get(2)!.latch.open();
    await waitFor(async () => (await committed(groupId, topic)) === 10, { timeoutMs: 10_000, description: 'everything committed' });
    expect(consumer.stats().inFlight).toBe(0);
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('leaves handed-back messages uncommitted, so the group gets them again after a restart, and waits for held work when stopping', async () => {
    const { topic, dlq } = await topicWith(6);
    const groupId = randomGroupId('handed-back');
    const first: number[] = [];
    const durableOnStop = latch();
    const consumer = runner({
      groupId,
      topics: [topic],
      deadLetter: { topic: dlq },
      handleBatch: (messages) =>
        messages.map(({ value }): MessageOutcome => {
          first.push(value.n);
          if (value.n === 1) return { ok: true, held: durableOnStop.opened.then((): HoldOutcome => 'durable') };
          if (value.n === 3) return { ok: true, held: Promise.resolve('handed-back') };
          return { ok: true };
        }),
    });
    await consumer.start();
    await waitFor(() => first.length === 6, { timeoutMs: 30_000, description: 'all six handled once' });
    await waitFor(async () => (await committed(groupId, topic)) === 1, { timeoutMs: 10_000, description: 'the commit held at offset 1' });

    // Stopping waits for the held message, which settles while the runner is stopping.
    const stopping = consumer.stop();
    durableOnStop.open();
    await stopping;
    expect(await committed(groupId, topic)).toBe(3);

    const again: number[] = [];
    const restarted = runner({
      groupId,
      topics: [topic],
      deadLetter: { topic: dlq },
      handleBatch: (messages) => {
        for (const { value } of messages) again.push(value.n);
      },
    });
    await restarted.start();
    await waitFor(async () => (await committed(groupId, topic)) === 6, { timeoutMs: 30_000, description: 'the rest committed after the restart' });
    expect(again).toEqual([3, 4, 5]);
  });

  it('dead-letters a message whose held work fails, and commits past it', async () => {
    const { topic, dlq } = await topicWith(3);
    const groupId = randomGroupId('held-fails');
    const dead = await collectMessages(kafka, dlq);
    collectors.push(dead);
    const consumer = runner({
      groupId,
      topics: [topic],
      deadLetter: { topic: dlq },
      handleBatch: (messages) =>
        messages.map(({ value }): MessageOutcome =>
          value.n === 1 ? { ok: true, held: Promise.reject(new Error('the batch could not be recorded')) } : { ok: true },
        ),
    });
    await consumer.start();

    await waitFor(() => dead.messages.length === 1, { timeoutMs: 30_000, description: 'the failed hold dead-lettered' });
    expect(dead.messages[0]!.key?.toString()).toBe('k1');
    expect(dead.messages[0]!.headers['x-sluice-error-message']).toBe('the batch could not be recorded');
    await waitFor(async () => (await committed(groupId, topic)) === 3, { timeoutMs: 10_000, description: 'all three committed' });
    expect(consumer.stats()).toMatchObject({ deadLettered: 1, inFlight: 0 });
  });
});
