import 'reflect-metadata';
import { Controller, Inject, Module, type INestApplication, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { randomGroupId, randomTopicName, waitFor } from '@sluice/testing';
import { withAdmin } from '../admin/kafka.admin';
import { parseBrokerList } from '../config/kafka-client.config';
import type { InboundMessage, MessageOutcome, ValidationResult } from '../consumer/consumer.types';
import type { ConsumerRunner } from '../consumer/consumer.runner';
import { NonRetryableError } from '../errors/non-retryable.error';
import { RetryableError } from '../errors/retryable.error';
import type { KafkaDriver } from '../port/driver.port';
import { KafkaProducer } from '../producer/kafka.producer';
import { collectMessages, createRandomTopic, deleteTopics, fastSession, memoryLogger, produceFixtures, testKafka, type MessageCollector } from '../testing';
import { SluiceKafkaBatchContext, SluiceKafkaContext } from './sluice-kafka.context';
import { SluiceKafkaModule } from './sluice-kafka.module';
import { SluiceKafkaTransport } from './sluice-kafka.transport';

// Decorators read the topic names when the classes are defined; the topics are created in beforeAll.
const ordersTopic = randomTopicName('nest-orders');
const auditTopic = randomTopicName('nest-audit');
const bulkTopic = randomTopicName('nest-bulk');

interface Order {
  id: string;
}

interface Received {
  id: string;
  topic: string;
  partition: number;
  offset: string;
  key: string | null;
  correlationId?: string;
  attempt: number;
}

const received: Received[] = [];

@Controller()
class OrdersController {
  constructor(@Inject(KafkaProducer) private readonly producer: KafkaProducer) {}

  @EventPattern(ordersTopic)
  async onOrder(@Payload() order: Order, @Ctx() context: SluiceKafkaContext): Promise<void> {
    if (order.id === 'refused') throw new NonRetryableError('ORDER_REFUSED', `order ${order.id} refused`);
    if (order.id === 'flaky' && context.getAttempt() === 1) throw new RetryableError('try again');
    received.push({
      id: order.id,
      topic: context.getTopic(),
      partition: context.getPartition(),
      offset: context.getOffset(),
      key: context.getKey(),
      correlationId: context.getHeaders()['x-correlation-id'],
      attempt: context.getAttempt(),
    });
    await this.producer.send(auditTopic, [{ key: order.id, value: { seen: order.id } }]);
  }
}

/** What each call of the batch handler got: its partition and the ids, in order. */
const bulkCalls: Array<{ partition: number; ids: string[]; group: boolean }> = [];

@Controller()
class BulkController {
  @EventPattern(bulkTopic, { batch: true, group: 'bulk' })
  onBulk(@Payload() messages: ReadonlyArray<InboundMessage<Order>>, @Ctx() context: SluiceKafkaBatchContext): MessageOutcome[] {
    bulkCalls.push({
      partition: context.getPartition(),
      ids: messages.map((m) => m.value.id),
      group: messages.every((m) => m.context.partition === context.getPartition()),
    });
    return messages.map(({ value }) =>
      value.id.startsWith('bad') ? { ok: false, error: new NonRetryableError('BULK_REFUSED', `bulk ${value.id} refused`) } : { ok: true },
    );
  }
}

function validateOrder(plain: unknown): ValidationResult<Order> {
  const id = (plain as Partial<Order> | null)?.id;
  return typeof id === 'string' ? { ok: true, value: { id } } : { ok: false, errors: [{ code: 'REQUIRED', field: 'id', message: 'id is required' }] };
}

const client = {
  brokers: parseBrokerList(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
  clientId: 'sluice-kafka-nest-test',
  logger: memoryLogger(),
};

@Module({ imports: [SluiceKafkaModule.forRoot({ client })], controllers: [OrdersController] })
class OrdersModule {}

@Module({ imports: [SluiceKafkaModule.forRoot({ client })], controllers: [OrdersController, BulkController] })
class OrdersAndBulkModule {}

describe('SluiceKafkaTransport (real broker)', () => {
  let kafka: KafkaDriver;
  let dlq: string;
  const topics: string[] = [];
  const collectors: MessageCollector[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    dlq = await createRandomTopic(kafka, { prefix: 'nest-dlq' });
    topics.push(dlq, ordersTopic, auditTopic, bulkTopic);
    await withAdmin(kafka, (admin) =>
      admin.ensureTopics([
        { name: ordersTopic, partitions: 2 },
        { name: auditTopic, partitions: 1 },
        { name: bulkTopic, partitions: 2 },
      ]),
    );
  });

  afterEach(async () => {
    received.length = 0;
    await Promise.all(collectors.splice(0).map((collector) => collector.stop()));
  });

  afterAll(async () => {
    await deleteTopics(kafka, topics);
  });

  function transport(groupId: string, fatal: Error[] = []): SluiceKafkaTransport {
    return new SluiceKafkaTransport({
      client,
      groupId,
      contracts: { [ordersTopic]: { validate: validateOrder }, [bulkTopic]: { validate: validateOrder } },
      consumer: {
        session: fastSession,
        deadLetter: { topic: dlq },
        retry: { maxRetries: 2, initialDelayMs: 10, maxDelayMs: 20 },
      },
      onFatal: (error) => fatal.push(error),
    });
  }

  async function collect(topic: string): Promise<MessageCollector> {
    const collector = await collectMessages(kafka, topic);
    collectors.push(collector);
    return collector;
  }

  it('serves @EventPattern handlers with the validated value and context, and closes cleanly', async () => {
    const strategy = transport(randomGroupId('nest'));
    const app: INestMicroservice = await NestFactory.createMicroservice(OrdersModule, { strategy, logger: false });
    await app.listen();
    try {
      await waitFor(() => strategy.consumerHealth().ready, { timeoutMs: 20_000, description: 'transport ready' });
      const dead = await collect(dlq);
      const audit = await collect(auditTopic);
      await produceFixtures(kafka, ordersTopic, [
        { key: 'o-1', value: { id: 'o-1' }, correlationId: 'corr-1' },
        { key: 'o-2', value: { id: 'refused' } },
        { key: 'o-3', value: { nope: true } },
        { key: 'o-4', value: { id: 'flaky' } },
      ]);

      await waitFor(() => received.length === 2 && dead.messages.length === 2 && audit.messages.length === 2, {
        timeoutMs: 30_000,
        description: 'two orders handled and audited, two dead-lettered',
      });
      const first = received.find((order) => order.id === 'o-1')!;
      expect(first).toMatchObject({ topic: ordersTopic, key: 'o-1', correlationId: 'corr-1', attempt: 1 });
      expect(received.find((order) => order.id === 'flaky')?.attempt).toBe(2);
      const codes = dead.messages.map((message) => message.headers['x-sluice-error-code']).sort();
      expect(codes).toEqual(['ORDER_REFUSED', 'VALIDATION_FAILED']);
      const refused = dead.messages.find((message) => message.headers['x-sluice-error-code'] === 'ORDER_REFUSED')!;
      expect(refused.headers['x-sluice-error-message']).toBe('order refused refused');
      expect(refused.headers['x-sluice-attempts']).toBe('1');
    } finally {
      await app.close();
    }
    expect(strategy.consumerHealth()).toEqual({ ready: false, reason: 'consumer is stopped' });
    expect(() => strategy.unwrap<ConsumerRunner>()).not.toThrow();
  });

  it('keeps error classification in a hybrid application that inherits the app config', async () => {
    const strategy = transport(randomGroupId('nest-hybrid'));
    const app: INestApplication = await NestFactory.create(OrdersModule, { logger: false });
    app.connectMicroservice({ strategy }, { inheritAppConfig: true });
    await app.startAllMicroservices();
    try {
      await waitFor(() => strategy.consumerHealth().ready, { timeoutMs: 20_000, description: 'transport ready' });
      const dead = await collect(dlq);
      await produceFixtures(kafka, ordersTopic, [{ key: 'h-1', value: { id: 'refused' } }]);
      await waitFor(() => dead.messages.some((message) => message.key?.toString() === 'h-1'), {
        timeoutMs: 30_000,
        description: 'the refused order dead-lettered',
      });
      const parked = dead.messages.find((message) => message.key?.toString() === 'h-1')!;
      expect(parked.headers['x-sluice-error-code']).toBe('ORDER_REFUSED');
    } finally {
      await app.close();
    }
    expect(strategy.consumerHealth().ready).toBe(false);
  });

  it('serves a batch handler in a group of its own: a fetch of a partition at a time, an outcome per message', async () => {
    const groupId = randomGroupId('nest-groups');
    const strategy = transport(groupId);
    const app: INestMicroservice = await NestFactory.createMicroservice(OrdersAndBulkModule, { strategy, logger: false });
    await app.listen();
    try {
      await waitFor(() => strategy.consumerHealth().ready, { timeoutMs: 20_000, description: 'both groups ready' });
      expect(strategy.groupIds().sort()).toEqual([groupId, `${groupId}.bulk`]);
      const dead = await collect(dlq);
      const ids = Array.from({ length: 40 }, (_, i) => (i % 10 === 3 ? `bad-${i}` : `b-${i}`));
      await produceFixtures(kafka, bulkTopic, [...ids.map((id) => ({ key: id, value: { id } })), { key: 'x', value: { nope: true } }]);
      await produceFixtures(kafka, ordersTopic, [{ key: 'o-9', value: { id: 'o-9' } }]);

      // The dead-letter topic also holds what the earlier cases parked: only this case's keys count.
      const deadBulk = () => dead.messages.filter((message) => /^(bad-|x$)/.test(message.key?.toString() ?? ''));
      await waitFor(() => bulkCalls.flatMap((call) => call.ids).length === 40 && deadBulk().length === 5 && received.some((order) => order.id === 'o-9'), {
        timeoutMs: 30_000,
        description: 'every bulk message handed over once, the refused and the invalid dead-lettered, the order handled by the other group',
      });
      expect(bulkCalls.flatMap((call) => call.ids).sort()).toEqual([...ids].sort());
      // More than one message per call: the handler gets what a fetch returned, not one message.
      expect(bulkCalls.some((call) => call.ids.length > 1)).toBe(true);
      expect(bulkCalls.every((call) => call.group)).toBe(true);
      const codes = deadBulk()
        .map((message) => message.headers['x-sluice-error-code'])
        .sort();
      expect(codes).toEqual(['BULK_REFUSED', 'BULK_REFUSED', 'BULK_REFUSED', 'BULK_REFUSED', 'VALIDATION_FAILED']);
      expect(strategy.unwrap<ConsumerRunner>('bulk').groupId).toBe(`${groupId}.bulk`);
    } finally {
      await app.close();
      bulkCalls.length = 0;
    }
    expect(strategy.consumerHealth().ready).toBe(false);
  });

  it('fails to listen when the application has no @EventPattern handlers', async () => {
    @Module({ imports: [SluiceKafkaModule.forRoot({ client })] })
    class EmptyModule {}
    const strategy = transport(randomGroupId('nest-empty'));
    const app = await NestFactory.createMicroservice(EmptyModule, { strategy, logger: false });
    await expect(app.listen()).rejects.toThrow('no @EventPattern handlers');
    await app.close();
  });
});
