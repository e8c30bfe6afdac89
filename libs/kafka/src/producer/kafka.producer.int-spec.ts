import { waitFor } from '@sluice/testing';
import { INTERNAL_SIGNATURE_HEADER } from '@sluice/contracts';
import type { KafkaDriver } from '../port/driver.port';
import { collectMessages, createRandomTopic, deleteTopics, testKafka } from '../testing';
import { MessageSigner } from '../signing/message.signer';
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

  it('sends many keyed messages in one awaited call, with correlation headers and the signature the consumer checks', async () => {
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
      const signature = new MessageSigner().signatureOf(topic, 'c', JSON.stringify({ id: 'c' }));
      expect(byKey.get('c')!.headers).toEqual({ 'x-correlation-id': 'c-c', traceparent: 'tp-c', [INTERNAL_SIGNATURE_HEADER]: signature });
      expect(new MessageSigner().check(byKey.get('c')!)).toEqual({ ok: true });
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
      {
        topic: second,
        messages: [
          { key: 'k', value: 2 },
          { key: 'k', value: 3 },
        ],
      },
    ]);
    const collector = await collectMessages(kafka, second);
    try {
      await waitFor(() => collector.messages.length === 2, { timeoutMs: 20_000, description: 'two messages' });
      expect(collector.messages.map((message) => message.value?.toString())).toEqual(['2', '3']);
    } finally {
      await collector.stop();
    }
  });

  it("writes every message of many concurrent callers once, each caller's messages in its order", async () => {
    const topic = await createRandomTopic(kafka, { partitions: 3 });
    topics.push(topic);
    const callers = Array.from({ length: 50 }, (_, caller) =>
      producer.send(
        topic,
        Array.from({ length: 4 }, (_, i) => ({ key: `k${caller}`, value: { caller, i } })),
      ),
    );
    await Promise.all(callers);
    const collector = await collectMessages(kafka, topic);
    try {
      await waitFor(() => collector.messages.length >= 200, { timeoutMs: 20_000, description: '200 messages' });
      const values = collector.messages.map((message) => JSON.parse(message.value!.toString()) as { caller: number; i: number });
      expect(values).toHaveLength(200);
      for (let caller = 0; caller < 50; caller += 1) {
        expect(values.filter((value) => value.caller === caller).map((value) => value.i)).toEqual([0, 1, 2, 3]);
      }
    } finally {
      await collector.stop();
    }
  });

  it('fails only the caller whose message the broker refuses, and loses nothing sent beside or after it', async () => {
    const good = await createRandomTopic(kafka);
    const other = await createRandomTopic(kafka);
    topics.push(good, other);
    // Room for the refused message in a merged request, so the broker writes some partitions of it and refuses one.
    const merging = new KafkaProducer(kafka, { maxRequestBytes: 4 * 1024 * 1024 });
    await merging.connect();
    try {
      await merging.sendBatch([
        { topic: good, messages: [{ value: 'before' }] },
        { topic: other, messages: [{ value: 'before' }] },
      ]);
      // Over the broker's message.max.bytes (1 MiB): refused whatever the retries.
      const first = merging.send(good, [{ key: 'first', value: 'first' }]);
      const refused = merging.send(other, [{ key: 'big', value: 'x'.repeat(1_200_000) }]);
      const beside = [merging.send(good, [{ key: 'a', value: 'beside-1' }]), merging.send(other, [{ key: 'b', value: 'beside-2' }])];
      await first;
      await expect(refused).rejects.toThrow(/larger than the max message size/);
      await Promise.all(beside);
      // One caller's batch the broker writes in part: the good topic's record is written, the whole call fails.
      await expect(
        merging.sendBatch([
          { topic: good, messages: [{ value: 'partly' }] },
          { topic: other, messages: [{ value: 'y'.repeat(1_200_000) }] },
        ]),
      ).rejects.toThrow(/larger than the max message size/);
      for (let i = 0; i < 3; i += 1)
        await merging.sendBatch([
          { topic: good, messages: [{ value: `after-${i}` }] },
          { topic: other, messages: [{ value: `after-${i}` }] },
        ]);
    } finally {
      await merging.disconnect();
    }

    const collectors = [await collectMessages(kafka, good), await collectMessages(kafka, other)];
    try {
      const texts = (index: number): string[] => collectors[index]!.messages.map((message) => JSON.parse(message.value!.toString()) as string);
      await waitFor(() => texts(0).includes('after-2') && texts(1).includes('after-2'), { timeoutMs: 20_000, description: 'the last sends on both topics' });
      // A merged request that failed is sent again caller by caller, so what it wrote may come twice; what
      // was sent after it comes exactly once: no record is dropped as a supposed duplicate.
      for (const [index, beside] of [
        [0, 'beside-1'],
        [1, 'beside-2'],
      ] as const) {
        expect(texts(index)).toContain(beside);
        for (const text of ['before', 'after-0', 'after-1', 'after-2']) expect(texts(index).filter((t) => t === text)).toHaveLength(1);
      }
      expect(texts(0)).toContain('first');
      expect(texts(0)).toContain('partly');
      expect(texts(1).some((t) => t.startsWith('xxx') || t.startsWith('yyy'))).toBe(false);
    } finally {
      await Promise.all(collectors.map((collector) => collector.stop()));
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
