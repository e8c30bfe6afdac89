import { randomGroupId, waitFor } from '@sluice/testing';
import { parseBrokerList } from '../config/kafka-client.config';
import { createKafkaDriver } from '../drivers/kafka.driver.factory';
import { NonRetryableError } from '../errors/non-retryable.error';
import { RetryableError } from '../errors/retryable.error';
import type { KafkaDriver } from '../port/driver.port';
import type { ConsumedMessage } from '../port/message.types';
import {
  collectMessages,
  committedOffsets,
  createRandomTopic,
  deleteTopics,
  fastSession,
  memoryLogger,
  produceFixtures,
  testKafka,
  topicEndOffsets,
  type MessageCollector,
} from '../testing';
import type { ConsumerRunnerOptions } from './consumer-runner.options';
import { ConsumerRunner } from './consumer.runner';
import type { MessageContext, MessageOutcome, ValidationResult } from './consumer.types';

interface Item {
  id: string;
  n: number;
}

function validateItem(plain: unknown): ValidationResult<Item> {
  const candidate = plain as Partial<Item> | null;
  if (typeof candidate?.id !== 'string') return { ok: false, errors: [{ code: 'REQUIRED', field: 'id', message: 'id is required' }] };
  if (typeof candidate.n !== 'number') return { ok: false, errors: [{ code: 'TYPE', field: 'n', message: 'must be a number' }] };
  return { ok: true, value: { id: candidate.id, n: candidate.n } };
}

const fastRetry = { maxRetries: 3, initialDelayMs: 10, maxDelayMs: 50, jitter: 0 };

function header(message: ConsumedMessage, name: string): string | undefined {
  return message.headers[name];
}

describe('ConsumerRunner (real broker)', () => {
  let kafka: KafkaDriver;
  const topics: string[] = [];
  const runners: Array<ConsumerRunner<never> | ConsumerRunner<Item> | ConsumerRunner<unknown>> = [];
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

  async function topicPair(partitions = 1): Promise<{ topic: string; dlq: string }> {
    const topic = await createRandomTopic(kafka, { partitions, prefix: 'runner' });
    const dlq = await createRandomTopic(kafka, { prefix: 'dlq' });
    topics.push(topic, dlq);
    return { topic, dlq };
  }

  function startRunner<T>(options: ConsumerRunnerOptions<T>): ConsumerRunner<T> {
    const runner = new ConsumerRunner<T>({
      session: fastSession,
      retry: fastRetry,
      onFatal: (error) => {
        throw new Error(`unexpected fatal in test: ${error.message}`);
      },
      ...options,
    } as ConsumerRunnerOptions<T>);
    runners.push(runner as ConsumerRunner<unknown>);
    return runner;
  }

  async function collect(topic: string): Promise<MessageCollector> {
    const collector = await collectMessages(kafka, topic);
    collectors.push(collector);
    return collector;
  }

  it('dead-letters poison messages with their reason and keeps handling the partition behind them', async () => {
    const { topic, dlq } = await topicPair();
    await produceFixtures(kafka, topic, [
      { key: 'k0', value: { id: 'good-1', n: 1 } },
      { key: 'k1', value: Buffer.from('{not json'), headers: { 'x-correlation-id': 'corr-1' } },
      { key: 'k2', value: { id: 'good-2', n: 2 } },
      { key: 'k3', value: { id: 'bad-schema', n: 'three' } },
      { key: 'k4', value: { id: 'good-3', n: 3 } },
      { key: 'k5', value: { id: 'refused', n: 5 }, traceparent: 'tp-5' },
      { key: 'k6', value: { id: 'good-4', n: 4 } },
    ]);
    const handled: string[] = [];
    const groupId = randomGroupId('poison');
    const runner = startRunner<Item>({
      kafka,
      groupId,
      topics: [topic],
      validate: validateItem,
      deadLetter: { topic: dlq },
      handle: (item) => {
        if (item.id === 'refused') throw new NonRetryableError('REFUSED', 'the handler refuses this item');
        handled.push(item.id);
      },
    });
    await runner.start();
    const dead = await collect(dlq);

    await waitFor(() => handled.length === 4 && dead.messages.length === 3, {
      timeoutMs: 30_000,
      description: 'four handled and three dead-lettered',
    });
    expect(handled).toEqual(['good-1', 'good-2', 'good-3', 'good-4']);

    const [notJson, invalid, refused] = [...dead.messages].sort((a, b) => Number(a.offset) - Number(b.offset));
    expect(notJson!.key?.toString()).toBe('k1');
    expect(notJson!.value?.toString()).toBe('{not json');
    expect(header(notJson!, 'x-sluice-error-code')).toBe('INVALID_JSON');
    expect(header(notJson!, 'x-sluice-original-offset')).toBe('1');
    expect(header(notJson!, 'x-correlation-id')).toBe('corr-1');

    expect(header(invalid!, 'x-sluice-error-code')).toBe('VALIDATION_FAILED');
    expect(header(invalid!, 'x-sluice-error-message')).toBe('n: must be a number');
    expect(header(invalid!, 'x-sluice-original-offset')).toBe('3');
    expect(JSON.parse(invalid!.value!.toString())).toEqual({ id: 'bad-schema', n: 'three' });

    expect(refused!.key?.toString()).toBe('k5');
    expect(header(refused!, 'x-sluice-error-code')).toBe('REFUSED');
    expect(header(refused!, 'x-sluice-error-message')).toBe('the handler refuses this item');
    expect(header(refused!, 'x-sluice-original-offset')).toBe('5');
    expect(header(refused!, 'x-sluice-attempts')).toBe('1');
    expect(header(refused!, 'traceparent')).toBe('tp-5');
    for (const message of dead.messages) {
      expect(header(message, 'x-sluice-original-topic')).toBe(topic);
      expect(header(message, 'x-sluice-original-partition')).toBe('0');
    }

    await waitFor(async () => (await committedOffsets(kafka, groupId, topic)).get(0) === 7, {
      timeoutMs: 10_000,
      description: 'offset 7 committed',
    });
    expect(runner.stats()).toMatchObject({ handled: 4, deadLettered: 3, invalid: 1 });
  });

  it('retries a retryable failure and commits once it succeeds, without dead-lettering', async () => {
    const { topic, dlq } = await topicPair();
    await produceFixtures(kafka, topic, [{ key: 'r', value: { id: 'flaky', n: 1 } }]);
    const attempts: number[] = [];
    const succeeded: string[] = [];
    const groupId = randomGroupId('retry');
    const runner = startRunner<Item>({
      kafka,
      groupId,
      topics: [topic],
      validate: validateItem,
      deadLetter: { topic: dlq },
      handle: (item, context: MessageContext) => {
        attempts.push(context.attempt);
        if (context.attempt <= 2) throw new RetryableError('provider busy', { retryAfterMs: 20 });
        succeeded.push(item.id);
      },
    });
    await runner.start();

    await waitFor(async () => (await committedOffsets(kafka, groupId, topic)).get(0) === 1, {
      timeoutMs: 30_000,
      description: 'offset 1 committed',
    });
    expect(attempts).toEqual([1, 2, 3]);
    expect(succeeded).toEqual(['flaky']);
    // The dead-letter write would have happened before the commit we waited for.
    expect((await topicEndOffsets(kafka, dlq)).get(0)).toBe(0);
    expect(runner.stats()).toMatchObject({ handled: 1, retries: 2, deadLettered: 0 });
  });

  it('dead-letters an unexpected error with its stack once the retries are used up', async () => {
    const { topic, dlq } = await topicPair();
    await produceFixtures(kafka, topic, [
      { key: 'x', value: { id: 'bug', n: 1 } },
      { key: 'y', value: { id: 'fine', n: 2 } },
    ]);
    const handled: string[] = [];
    const runner = startRunner<Item>({
      kafka,
      groupId: randomGroupId('bug'),
      topics: [topic],
      validate: validateItem,
      deadLetter: { topic: dlq },
      retry: { ...fastRetry, maxRetries: 2 },
      handle: (item) => {
        if (item.id === 'bug') throw new TypeError('cannot read properties of undefined');
        handled.push(item.id);
      },
    });
    await runner.start();
    const dead = await collect(dlq);

    await waitFor(() => dead.messages.length === 1 && handled.length === 1, {
      timeoutMs: 30_000,
      description: 'the bug dead-lettered and the next message handled',
    });
    const [parked] = dead.messages;
    expect(header(parked!, 'x-sluice-error-code')).toBe('UNEXPECTED_ERROR');
    expect(header(parked!, 'x-sluice-attempts')).toBe('3');
    expect(header(parked!, 'x-sluice-error-stack')).toContain('TypeError: cannot read properties of undefined');
    expect(handled).toEqual(['fine']);
  });

  it('hands invalid messages to onInvalid instead of the dead-letter topic', async () => {
    const { topic, dlq } = await topicPair();
    await produceFixtures(kafka, topic, [
      { key: 'a', value: { id: 'no-n' } },
      { key: 'b', value: { id: 'ok', n: 1 } },
    ]);
    const rejected: Array<{ field?: string; offset: string }> = [];
    const handled: string[] = [];
    const groupId = randomGroupId('invalid');
    const runner = startRunner<Item>({
      kafka,
      groupId,
      topics: [topic],
      validate: validateItem,
      deadLetter: { topic: dlq },
      onInvalid: ({ errors, context }) => {
        rejected.push({ field: errors[0]?.field, offset: context.offset });
      },
      handle: (item) => {
        handled.push(item.id);
      },
    });
    await runner.start();

    await waitFor(async () => (await committedOffsets(kafka, groupId, topic)).get(0) === 2, {
      timeoutMs: 30_000,
      description: 'both messages committed',
    });
    expect(rejected).toEqual([{ field: 'n', offset: '0' }]);
    expect(handled).toEqual(['ok']);
    expect((await topicEndOffsets(kafka, dlq)).get(0)).toBe(0);
  });

  it('hands whole batches to a batch handler and applies its per-message outcomes', async () => {
    const { topic, dlq } = await topicPair(2);
    const ids = Array.from({ length: 20 }, (_, index) => `m-${index}`);
    await produceFixtures(
      kafka,
      topic,
      ids.map((id, index) => ({ key: id, value: { id, n: index } })),
    );
    const handled = new Set<string>();
    const batchSizes: number[] = [];
    let flakyFailures = 0;
    const groupId = randomGroupId('batch');
    const runner = startRunner<Item>({
      kafka,
      groupId,
      topics: [topic],
      validate: validateItem,
      deadLetter: { topic: dlq },
      maxBatchSize: 8,
      handleBatch: (messages): MessageOutcome[] => {
        batchSizes.push(messages.length);
        return messages.map(({ value }) => {
          if (value.id === 'm-3') return { ok: false, error: new NonRetryableError('REFUSED', 'no m-3') };
          if (value.id === 'm-7' && flakyFailures < 1) {
            flakyFailures += 1;
            return { ok: false, error: new RetryableError('try again') };
          }
          handled.add(value.id);
          return { ok: true };
        });
      },
    });
    await runner.start();
    const dead = await collect(dlq);

    await waitFor(() => handled.size === 19 && dead.messages.length === 1, {
      timeoutMs: 30_000,
      description: '19 handled and m-3 dead-lettered',
    });
    expect(Math.max(...batchSizes)).toBeLessThanOrEqual(8);
    expect(JSON.parse(dead.messages[0]!.value!.toString()).id).toBe('m-3');
    expect(header(dead.messages[0]!, 'x-sluice-error-code')).toBe('REFUSED');
    const ends = await topicEndOffsets(kafka, topic);
    await waitFor(
      async () => {
        const committed = await committedOffsets(kafka, groupId, topic);
        return [...ends].every(([partition, end]) => committed.get(partition) === end);
      },
      { timeoutMs: 10_000, description: 'every partition committed to its end' },
    );
  });

  it('reads a partition again as soon as its batch returned, not after a long-poll on the others', async () => {
    const { topic, dlq } = await topicPair(2);
    const handled: string[] = [];
    const runner = startRunner<Item>({
      kafka,
      groupId: randomGroupId('refetch'),
      topics: [topic],
      validate: validateItem,
      deadLetter: { topic: dlq },
      // Partition 1 stays empty: a fetch for it waits this long at the broker.
      session: { ...fastSession, maxWaitTimeMs: 5_000 },
      handle: (item) => {
        handled.push(item.id);
      },
    });
    await runner.start();
    for (const id of ['first', 'second', 'third']) {
      await produceFixtures(kafka, topic, [{ value: { id, n: 0 }, partition: 0 }]);
      // Each well inside the empty partition's long-poll: a partition that waited for it would miss this.
      await waitFor(() => handled.includes(id), { timeoutMs: 2_500, description: `${id} handled` });
    }
    expect(handled).toEqual(['first', 'second', 'third']);
  });

  it('keeps its group membership through a handler slower than the session timeout', async () => {
    const { topic, dlq } = await topicPair();
    await produceFixtures(kafka, topic, [{ value: { id: 'slow', n: 1 } }, { value: { id: 'next', n: 2 } }]);
    const handled: string[] = [];
    const groupId = randomGroupId('slow');
    const runner = startRunner<Item>({
      kafka,
      groupId,
      topics: [topic],
      validate: validateItem,
      deadLetter: { topic: dlq },
      handle: async (item) => {
        // Work, not synchronisation: the handler outlives the session unless heartbeats continue.
        if (item.id === 'slow') await new Promise((resolve) => setTimeout(resolve, fastSession.sessionTimeoutMs! + 2_000));
        handled.push(item.id);
      },
    });
    await runner.start();

    await waitFor(async () => (await committedOffsets(kafka, groupId, topic)).get(0) === 2, {
      timeoutMs: 40_000,
      description: 'both messages committed',
    });
    // An evicted member's commit fails and the slow message comes back: it would be handled twice.
    expect(handled).toEqual(['slow', 'next']);
  });

  it('starts in a group a member of another Kafka client is still in, once that member has left', async () => {
    const { topic, dlq } = await topicPair();
    const groupId = randomGroupId('mixed');
    // A kafkajs member, as a copy not yet moved to this driver or a tool committing the group's offsets leaves one.
    const other = createKafkaDriver({
      brokers: parseBrokerList(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
      driver: 'kafkajs',
      clientId: 'sluice-kafka-test-other',
      logger: memoryLogger(),
    });
    const member = other.consumer({ groupId, ...fastSession });
    const joined = new Promise<void>((resolve) => member.onGroupJoin(() => resolve()));
    await member.connect();
    try {
      await member.subscribe([topic], false);
      await member.run({ partitionsConsumedConcurrently: 1, eachBatch: async () => undefined });
      await joined;

      const logger = memoryLogger();
      const handled: string[] = [];
      const runner = startRunner<Item>({
        kafka: testKafka(logger),
        groupId,
        topics: [topic],
        validate: validateItem,
        deadLetter: { topic: dlq },
        handle: (item) => {
          handled.push(item.id);
        },
      });
      const started = runner.start();
      // A client of the same protocol joins beside it; one of another is refused, says why, and waits.
      await waitFor(
        () => runner.health().ready || logger.entries.some((entry) => entry.level === 'warn' && /members of another Kafka client/.test(entry.msg ?? '')),
        {
          timeoutMs: 20_000,
          description: 'the runner joined, or said it waits for the other member',
        },
      );
      await member.disconnect();
      await started;
      await waitFor(() => runner.health().ready, { timeoutMs: 30_000, description: 'runner ready' });
      await produceFixtures(kafka, topic, [{ value: { id: 'after', n: 1 } }]);
      await waitFor(() => handled.includes('after'), { timeoutMs: 20_000, description: 'a message handled' });
    } finally {
      await member.disconnect();
    }
  });

  it('reports ready only after joining its group, and not after stopping', async () => {
    const { topic } = await topicPair();
    const runner = startRunner<unknown>({ kafka, groupId: randomGroupId('health'), topics: [topic], handle: () => undefined });
    expect(runner.health()).toEqual({ ready: false, reason: 'consumer is idle' });
    await runner.start();
    await waitFor(() => runner.health().ready, { timeoutMs: 20_000, description: 'runner ready' });
    await runner.stop();
    expect(runner.health()).toEqual({ ready: false, reason: 'consumer is stopped' });
  });

  it('fails to start on a topic that does not exist', async () => {
    const runner = startRunner<unknown>({
      kafka,
      groupId: randomGroupId('missing'),
      topics: [`sluice-test.missing.${Date.now()}`],
      session: { ...fastSession, retry: { retries: 1, initialRetryTimeMs: 50 } },
      handle: () => undefined,
    });
    await expect(runner.start()).rejects.toThrow();
    expect(runner.health().ready).toBe(false);
  });
});
