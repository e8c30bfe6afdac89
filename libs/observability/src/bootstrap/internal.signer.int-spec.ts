import { loadConfig, SluiceConfig } from '@sluice/config';
import { ConsumerRunner, KafkaProducer, MessageSigner, type KafkaDriver } from '@sluice/kafka';
import { collectMessages, createRandomTopic, deleteTopics, fastSession, testKafka, type MessageCollector } from '@sluice/kafka/testing';
import { randomGroupId, waitFor } from '@sluice/testing';
import { MetricsRegistry } from '../metrics/metrics.registry';
import { internalSigner } from './internal.signer';
import { internalAuthentication } from './service.bootstrap';

const OLD = 'the-old-signing-key-of-at-least-thirty-two-chars';
const NEW = 'the-new-signing-key-of-at-least-thirty-two-chars';

describe('signing key rotation (real broker)', () => {
  let kafka: KafkaDriver;
  let topic: string;
  const topics: string[] = [];
  const runners: Array<ConsumerRunner<{ id: string }>> = [];
  const collectors: MessageCollector[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    topic = await createRandomTopic(kafka, { prefix: 'rotation' });
    topics.push(topic);
    // A service not restarted yet signs with the old key, one already rolled with the new key, in that order on one partition.
    for (const [id, secret] of [
      ['from-old', OLD],
      ['from-new', NEW],
    ]) {
      const producer = new KafkaProducer(kafka, { signer: new MessageSigner(secret) });
      await producer.connect();
      try {
        await producer.send(topic, [{ key: id, value: { id } }]);
      } finally {
        await producer.disconnect();
      }
    }
  });

  afterAll(async () => {
    await Promise.all(runners.map((runner) => runner.stop()));
    await Promise.all(collectors.map((collector) => collector.stop()));
    await deleteTopics(kafka, topics);
  });

  /** A service's consumer as it boots from `env`, handling `topic` and dead-lettering to a topic of its own. */
  async function consumerWith(env: Record<string, string>): Promise<{ handled: string[]; dead: MessageCollector; refused: () => Promise<string> }> {
    const dlq = await createRandomTopic(kafka, { prefix: 'rotation-dlq' });
    topics.push(dlq);
    const config = loadConfig(SluiceConfig, { SLUICE_ENV: 'production', ...env });
    const metrics = new MetricsRegistry('probe');
    const handled: string[] = [];
    const runner = new ConsumerRunner<{ id: string }>({
      kafka,
      groupId: randomGroupId('rotation'),
      topics: [topic],
      session: fastSession,
      authentication: internalAuthentication(
        [topic],
        internalSigner(config, () => undefined),
        metrics,
      ),
      deadLetter: { topic: dlq },
      handle: (message) => {
        handled.push(message.id);
      },
      onFatal: (error) => {
        throw new Error(`unexpected fatal in test: ${error.message}`);
      },
    });
    runners.push(runner);
    await runner.start();
    const dead = await collectMessages(kafka, dlq);
    collectors.push(dead);
    return { handled, dead, refused: () => metrics.metrics() };
  }

  it('accepts a message signed with the old key on a consumer given the new key as current and the old as previous', async () => {
    const rotated = await consumerWith({ SLUICE_INTERNAL_SIGNING_KEY: NEW, SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS: OLD });
    await waitFor(() => rotated.handled.length === 2, { timeoutMs: 30_000, description: 'both messages handled' });
    expect(rotated.handled).toEqual(['from-old', 'from-new']);
    expect(rotated.dead.messages).toEqual([]);
    expect(await rotated.refused()).not.toMatch(/^sluice_unauthenticated_messages_total\{/m);
  });

  it('dead-letters it on a consumer given only the new key', async () => {
    const switched = await consumerWith({ SLUICE_INTERNAL_SIGNING_KEY: NEW });
    await waitFor(() => switched.handled.length === 1 && switched.dead.messages.length === 1, {
      timeoutMs: 30_000,
      description: 'the new-key message handled, the old-key one dead-lettered',
    });
    expect(switched.handled).toEqual(['from-new']);
    const [dead] = switched.dead.messages;
    expect(dead!.key?.toString()).toBe('from-old');
    expect(dead!.headers['x-sluice-error-code']).toBe('SIGNATURE_INVALID');
    expect(await switched.refused()).toMatch(new RegExp(`^sluice_unauthenticated_messages_total\\{.*code="SIGNATURE_INVALID".*\\} 1$`, 'm'));
  });
});
