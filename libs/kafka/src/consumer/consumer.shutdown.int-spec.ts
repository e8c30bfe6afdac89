import { randomGroupId, waitFor } from '@sluice/testing';
import type { KafkaDriver } from '../port/driver.port';
import { committedOffsets, createRandomTopic, deleteTopics, fastSession, latch, produceFixtures, testKafka } from '../testing';
import { ConsumerRunner } from './consumer.runner';

describe('ConsumerRunner graceful shutdown (real broker)', () => {
  let kafka: KafkaDriver;
  const topics: string[] = [];
  const runners: ConsumerRunner[] = [];

  beforeAll(() => {
    kafka = testKafka();
  });

  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await deleteTopics(kafka, topics);
  });

  function runner(groupId: string, topic: string, handle: (id: string) => Promise<void> | void): ConsumerRunner {
    const created = new ConsumerRunner({
      kafka,
      groupId,
      topics: [topic],
      session: fastSession,
      onFatal: () => undefined,
      handle: (value) => handle((value as { id: string }).id),
    });
    runners.push(created);
    return created;
  }

  it('lets in-flight handlers finish, commits them, and leaves the rest to the next consumer', async () => {
    const topic = await createRandomTopic(kafka, { prefix: 'shutdown' });
    topics.push(topic);
    const ids = Array.from({ length: 10 }, (_, index) => `m-${index}`);
    await produceFixtures(
      kafka,
      topic,
      ids.map((id) => ({ value: { id } })),
    );
    const groupId = randomGroupId('shutdown');

    const handled: string[] = [];
    const started = latch();
    const finish = latch();
    const first = runner(groupId, topic, async (id) => {
      if (id === 'm-3') {
        started.open();
        await finish.opened;
      }
      handled.push(id);
    });
    await first.start();
    await started.opened;

    const stopping = first.stop();
    await waitFor(() => first.health().reason === 'consumer is stopping', { description: 'the runner to be stopping' });
    finish.open();
    await stopping;

    expect(handled).toEqual(['m-0', 'm-1', 'm-2', 'm-3']);
    expect((await committedOffsets(kafka, groupId, topic)).get(0)).toBe(handled.length);

    const second = runner(groupId, topic, (id) => {
      handled.push(id);
    });
    await second.start();
    await waitFor(() => handled.length === ids.length, { timeoutMs: 30_000, description: 'the rest handled' });
    expect(handled).toEqual(ids);
    await second.stop();
    expect((await committedOffsets(kafka, groupId, topic)).get(0)).toBe(ids.length);
  });

  it('abandons a handler that outlives the deadline: its message stays uncommitted', async () => {
    const topic = await createRandomTopic(kafka, { prefix: 'shutdown-deadline' });
    topics.push(topic);
    await produceFixtures(kafka, topic, [{ value: { id: 'a' } }, { value: { id: 'stuck' } }]);
    const groupId = randomGroupId('shutdown-deadline');
    const started = latch();
    const never = latch();
    const handled: string[] = [];
    const created = new ConsumerRunner({
      kafka,
      groupId,
      topics: [topic],
      session: fastSession,
      shutdownTimeoutMs: 500,
      onFatal: () => undefined,
      handle: async (value, context) => {
        const { id } = value as { id: string };
        if (id === 'stuck') {
          started.open();
          await Promise.race([never.opened, new Promise((resolve) => context.signal.addEventListener('abort', resolve, { once: true }))]);
          return;
        }
        handled.push(id);
      },
    });
    runners.push(created);
    await created.start();
    await started.opened;

    await created.stop();

    expect(handled).toEqual(['a']);
    expect((await committedOffsets(kafka, groupId, topic)).get(0)).toBe(1);
  });
});
