import { waitFor } from '@sluice/testing';
import type { KafkaDriver } from '../port/driver.port';
import { collectMessages, createRandomTopic, deleteTopics, testKafka } from '../testing';
import { KafkaProducer } from './kafka.producer';

describe('KafkaProducer (real broker)', () => {
  let kafka: KafkaDriver;
  let producer: KafkaProducer;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    producer = new KafkaProducer(kafka);
    await producer.connect();
  });

  afterAll(async () => {
    await producer.disconnect();
    await deleteTopics(kafka, topics);
  });

  it('sends many keyed messages in one awaited call, with correlation headers', async () => {
    const topic = await createRandomTopic(kafka, { partitions: 3 });
    topics.push(topic);
    const results = await producer.send(
      topic,
      ['a', 'b', 'c', 'd'].map((id) => ({ key: id, value: { id }, correlationId: `c-${id}`, traceparent: `tp-${id}` })),
    );
    expect(results.length).toBeGreaterThan(0);
    expect(results.every((result) => result.topic === topic && Number(result.baseOffset) >= 0)).toBe(true);

    const collector = await collectMessages(kafka, topic);
    try {
      await waitFor(() => collector.messages.length === 4, { timeoutMs: 20_000, description: 'four messages' });
      const byKey = new Map(collector.messages.map((message) => [message.key?.toString(), message]));
      expect(JSON.parse(byKey.get('c')!.value!.toString())).toEqual({ id: 'c' });
      expect(byKey.get('c')!.headers).toEqual({ 'x-correlation-id': 'c-c', traceparent: 'tp-c' });
    } finally {
      await collector.stop();
    }
  });

  it('sends to several topics in one batch', async () => {
    const first = await createRandomTopic(kafka);
    const second = await createRandomTopic(kafka);
    topics.push(first, second);
    await producer.sendBatch([
      { topic: first, messages: [{ key: 'k', value: 1 }] },
      { topic: second, messages: [{ key: 'k', value: 2 }, { key: 'k', value: 3 }] },
    ]);
    const collector = await collectMessages(kafka, second);
    try {
      await waitFor(() => collector.messages.length === 2, { timeoutMs: 20_000, description: 'two messages' });
      expect(collector.messages.map((message) => message.value?.toString())).toEqual(['2', '3']);
    } finally {
      await collector.stop();
    }
  });

  it('rejects a send to a topic that does not exist (auto-create is off)', async () => {
    const strict = new KafkaProducer(kafka, { retry: { retries: 1, initialRetryTimeMs: 50, maxRetryTimeMs: 200 } });
    await strict.connect();
    try {
      await expect(strict.send(`sluice-test.missing.${Date.now()}`, [{ value: 1 }])).rejects.toThrow();
    } finally {
      await strict.disconnect();
    }
  });

  it('refuses to send before connect and after disconnect', async () => {
    const idle = new KafkaProducer(kafka);
    await expect(idle.send('any', [{ value: 1 }])).rejects.toThrow('not connected');
    await idle.connect();
    await idle.disconnect();
    await expect(idle.send('any', [{ value: 1 }])).rejects.toThrow('not connected');
  });
});
