import 'reflect-metadata';
import { Controller, Inject, Module, type INestApplication, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { randomGroupId, randomTopicName, waitFor } from '@sluice/testing';
import { withAdmin } from '../admin/kafka.admin';
import { parseBrokerList } from '../config/kafka-client.config';
import type { ValidationResult } from '../consumer/consumer.types';
import type { ConsumerRunner } from '../consumer/consumer.runner';
import { NonRetryableError } from '../errors/non-retryable.error';
import { RetryableError } from '../errors/retryable.error';
import type { KafkaDriver } from '../port/driver.port';
import { KafkaProducer } from '../producer/kafka.producer';
import {
  collectMessages,
  createRandomTopic,
  deleteTopics,
  fastSession,
  memoryLogger,
  produceFixtures,
  testKafka,
  type MessageCollector,
} from '../testing';
import { SluiceKafkaContext } from './sluice-kafka.context';
import { SluiceKafkaModule } from './sluice-kafka.module';
import { SluiceKafkaTransport } from './sluice-kafka.transport';

// Decorators read the topic names when the classes are defined; the topics are created in beforeAll.
const ordersTopic = randomTopicName('nest-orders');
const auditTopic = randomTopicName('nest-audit');

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

describe('SluiceKafkaTransport (real broker)', () => {
  let kafka: KafkaDriver;
  let dlq: string;
  const topics: string[] = [];
  const collectors: MessageCollector[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    dlq = await createRandomTopic(kafka, { prefix: 'nest-dlq' });
    topics.push(dlq, ordersTopic, auditTopic);
    await withAdmin(kafka, (admin) =>
      admin.ensureTopics([
        { name: ordersTopic, partitions: 2 },
        { name: auditTopic, partitions: 1 },
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
      contracts: { [ordersTopic]: { validate: validateOrder } },
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

  it('fails to listen when the application has no @EventPattern handlers', async () => {
    @Module({ imports: [SluiceKafkaModule.forRoot({ client })] })
    class EmptyModule {}
    const strategy = transport(randomGroupId('nest-empty'));
    const app = await NestFactory.createMicroservice(EmptyModule, { strategy, logger: false });
    await expect(app.listen()).rejects.toThrow('no @EventPattern handlers');
    await app.close();
  });
});
