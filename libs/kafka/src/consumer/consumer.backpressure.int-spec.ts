import { randomGroupId, waitFor } from '@sluice/testing';
import type { KafkaDriver } from '../port/driver.port';
import { createRandomTopic, deleteTopics, fastSession, latch, produceFixtures, testKafka } from '../testing';
import { ConsumerRunner } from './consumer.runner';

describe('ConsumerRunner backpressure (real broker)', () => {
  let kafka: KafkaDriver;
  const topics: string[] = [];
  let runner: ConsumerRunner | undefined;

  beforeAll(() => {
    kafka = testKafka();
  });

  afterEach(async () => {
    await runner?.stop();
    runner = undefined;
  });

  afterAll(async () => {
    await deleteTopics(kafka, topics);
  });

  it('pauses fetching at the high-water mark, resumes under the low one, and handles everything', async () => {
    const partitions = 8;
    const topic = await createRandomTopic(kafka, { partitions, prefix: 'backpressure' });
    topics.push(topic);
    const ids = Array.from({ length: 40 }, (_, index) => `m-${index}`);
    await produceFixtures(
      kafka,
      topic,
      ids.map((id, index) => ({ value: { id }, partition: index % partitions })),
    );

    // Handlers stay busy until the runner has paused: slow handlers without a clock.
    const slow = latch();
    const handled = new Set<string>();
    let inFlight = 0;
    let maxInFlight = 0;
    runner = new ConsumerRunner({
      kafka,
      groupId: randomGroupId('backpressure'),
      topics: [topic],
      session: fastSession,
      partitionsConsumedConcurrently: partitions,
      backpressure: { highWaterMark: 5, lowWaterMark: 2 },
      onFatal: () => undefined,
      handle: async (value) => {
        inFlight += 1;
        maxInFlight = Math.max(maxInFlight, inFlight);
        try {
          if (!slow.isOpen) await slow.opened;
          handled.add((value as { id: string }).id);
        } finally {
          inFlight -= 1;
        }
      },
    });
    await runner.start();

    await waitFor(() => runner!.stats().pauses > 0, { timeoutMs: 20_000, description: 'the runner to pause' });
    expect(inFlight).toBe(5);
    slow.open();

    await waitFor(() => handled.size === ids.length, { timeoutMs: 30_000, description: 'all 40 messages handled' });
    const stats = runner.stats();
    expect(maxInFlight).toBeLessThanOrEqual(5);
    expect(stats.maxInFlight).toBeLessThanOrEqual(5);
    expect(stats.pauses).toBeGreaterThan(0);
    expect(stats.resumes).toBeGreaterThan(0);
  });

  it('holds new messages during a manual pause and carries on after resume', async () => {
    const topic = await createRandomTopic(kafka, { prefix: 'manual-pause' });
    topics.push(topic);
    const handled: number[] = [];
    runner = new ConsumerRunner({
      kafka,
      groupId: randomGroupId('manual-pause'),
      topics: [topic],
      session: fastSession,
      onFatal: () => undefined,
      handle: (value) => {
        handled.push(value as number);
      },
    });
    await runner.start();
    await produceFixtures(kafka, topic, [{ value: 1 }]);
    await waitFor(() => handled.length === 1, { timeoutMs: 20_000, description: 'the first message' });

    runner.pause();
    expect(runner.stats()).toMatchObject({ pauses: 1, resumes: 0 });
    await produceFixtures(kafka, topic, [{ value: 2 }, { value: 3 }]);
    runner.resume();

    await waitFor(() => handled.length === 3, { timeoutMs: 20_000, description: 'the held messages' });
    expect(handled).toEqual([1, 2, 3]);
    expect(runner.stats()).toMatchObject({ pauses: 1, resumes: 1 });
  });
});
