import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AcceptedRequestV1, LifecycleEventV1, Topics, validateMessage } from '@sluice/contracts';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { parseBrokerList, SluiceKafkaContext, SluiceKafkaTransport, withAdmin } from '@sluice/kafka';
import { collectMessages, deleteTopics, fastSession, memoryLogger, MessageCollector, produceFixtures, testKafka } from '@sluice/kafka/testing';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { topicContracts } from '@sluice/observability';
import { randomGroupId, randomTenant, randomTopicName, waitFor } from '@sluice/testing';
import { createTestDatabase, RunningIngestion, startIngestion } from '../../test/ingestion.harness';
import { ingestionService } from '../ingestion.definition';
import { RequestsConsumer } from './requests.consumer';

// The production consumer, moved to a topic of this test's own: the shared sluice.requests.v1 holds
// other runs' requests, which this test must neither read nor publish again.
const requestsTopic = randomTopicName('ingestion-requests');

class TestTopicRequestsConsumer extends RequestsConsumer {
  @EventPattern(requestsTopic)
  override onRequest(@Payload() value: Record<string, unknown>, @Ctx() context: SluiceKafkaContext): Promise<void> {
    return super.onRequest(value, context);
  }
}

function decoded<T>(collector: MessageCollector): T[] {
  return collector.messages.map((message) => JSON.parse(message.value?.toString('utf8') ?? 'null') as T);
}

describe('ingestion consuming requests (real broker and database)', () => {
  const kafka = testKafka();
  const tenant = randomTenant('kin');
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  let transport: SluiceKafkaTransport;
  let accepted: MessageCollector;
  let events: MessageCollector;
  let dlq: MessageCollector;

  const acceptedOfTenant = () => decoded<AcceptedRequestV1>(accepted).filter((message) => message.request?.tenant === tenant);
  const eventsOfTenant = () => decoded<LifecycleEventV1>(events).filter((event) => event.tenant === tenant);
  const deadLettered = () => dlq.messages.filter((message) => message.headers['x-sluice-original-topic'] === requestsTopic);

  beforeAll(async () => {
    await withAdmin(kafka, (admin) => admin.ensureTopics([{ name: requestsTopic, partitions: 2 }]));
    database = await createTestDatabase();
    transport = new SluiceKafkaTransport({
      client: { brokers: parseBrokerList(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'), clientId: 'ingestion-test', logger: memoryLogger() },
      groupId: randomGroupId('ingestion'),
      // As bootstrapService builds it from ingestion's `consumes`.
      contracts: topicContracts({ [requestsTopic]: ingestionService.consumes[Topics.Requests]! }),
      consumer: { session: fastSession, retry: { maxRetries: 1, initialDelayMs: 10, maxDelayMs: 20 } },
      onFatal: (error) => {
        throw error;
      },
    });
    ingestion = await startIngestion({
      database,
      controllers: [TestTopicRequestsConsumer],
      configure: (app) => app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true }),
    });
    [accepted, events, dlq] = await Promise.all([
      collectMessages(kafka, Topics.Accepted, { fromEnd: true }),
      collectMessages(kafka, Topics.Events, { fromEnd: true }),
      collectMessages(kafka, Topics.Dlq, { fromEnd: true }),
    ]);
    await waitFor(() => transport.consumerHealth().ready, { timeoutMs: 30_000, description: 'the requests consumer to join its group' });
  });

  afterAll(async () => {
    await Promise.all([accepted?.stop(), events?.stop(), dlq?.stop()]);
    await ingestion?.close();
    await database?.drop();
    await deleteTopics(kafka, [requestsTopic]);
  });

  it('accepts a request: an AcceptedRequestV1 on sluice.accepted.v1 and its accepted event', async () => {
    await produceFixtures(kafka, requestsTopic, [{ key: 'k-1', value: sampleRequest({ tenant, id: 'k-1' }), correlationId: 'corr-k-1' }]);

    await waitFor(() => acceptedOfTenant().some((message) => message.request.id === 'k-1'), { timeoutMs: 30_000, description: 'k-1 accepted' });
    const message = acceptedOfTenant().find((candidate) => candidate.request.id === 'k-1')!;
    expect(validateMessage(AcceptedRequestV1, message).ok).toBe(true);
    expect(message).toMatchObject({ source: 'kafka', deadline: '2030-01-01T12:00:00.000Z', request: { tenant, id: 'k-1', body: { model: 'gpt-4o-mini' } } });
    await waitFor(() => eventsOfTenant().some((event) => event.type === 'accepted' && event.requestId === 'k-1'), {
      timeoutMs: 30_000,
      description: 'the accepted event of k-1',
    });
    expect(await ingestion.ledger.requests.get(tenant, 'k-1')).toMatchObject({ status: 'accepted', model: 'gpt-4o-mini' });
  });

  it('rejects an invalid request by a rejected event naming the field, while the next valid one flows', async () => {
    await produceFixtures(kafka, requestsTopic, [
      { key: 'k-bad', value: sampleRequest({ tenant, id: 'k-bad', body: { messages: [] } }) },
      { key: 'k-bad', value: sampleRequest({ tenant, id: 'k-after' }) },
    ]);

    await waitFor(() => acceptedOfTenant().some((message) => message.request.id === 'k-after'), { timeoutMs: 30_000, description: 'k-after accepted' });
    await waitFor(() => eventsOfTenant().some((event) => event.type === 'rejected' && event.requestId === 'k-bad'), {
      timeoutMs: 30_000,
      description: 'the rejection of k-bad',
    });
    expect(eventsOfTenant().find((event) => event.requestId === 'k-bad')).toMatchObject({
      type: 'rejected',
      error: { code: 'MISSING_FIELD', field: 'body.model' },
    });
    expect(await ingestion.ledger.requests.get(tenant, 'k-bad')).toBeUndefined();
  });

  it('dead-letters what is not a JSON object, and what names no usable tenant, with the reason in headers', async () => {
    await produceFixtures(kafka, requestsTopic, [
      { key: 'k-garbage', value: Buffer.from('{"tenant": "acme", oops') },
      { key: 'k-array', value: Buffer.from('[{"tenant": "acme"}]') },
      { key: 'k-no-tenant', value: sampleRequest({ tenant: undefined, id: 'k-no-tenant' }) },
      { key: 'k-bad-tenant', value: sampleRequest({ tenant: 'Not Valid', id: 'k-bad-tenant' }) },
      { key: 'k-last', value: sampleRequest({ tenant, id: 'k-last' }) },
    ]);

    await waitFor(() => deadLettered().length === 4, { timeoutMs: 30_000, description: 'four dead-lettered messages' });
    const reasons = new Map(deadLettered().map((message) => [message.key?.toString(), message.headers['x-sluice-error-code']]));
    expect(reasons).toEqual(
      new Map([
        ['k-garbage', 'INVALID_JSON'],
        ['k-array', 'VALIDATION_FAILED'],
        ['k-no-tenant', 'MISSING_TENANT'],
        ['k-bad-tenant', 'INVALID_TENANT'],
      ]),
    );
    const garbage = deadLettered().find((message) => message.key?.toString() === 'k-garbage')!;
    expect(garbage.value?.toString()).toBe('{"tenant": "acme", oops');
    expect(garbage.headers).toMatchObject({
      'x-sluice-original-topic': requestsTopic,
      'x-sluice-original-partition': expect.stringMatching(/^\d+$/),
      'x-sluice-original-offset': expect.stringMatching(/^\d+$/),
      'x-sluice-attempts': '1',
      'x-sluice-error-message': expect.any(String),
    });
    await waitFor(() => acceptedOfTenant().some((message) => message.request.id === 'k-last'), { timeoutMs: 30_000, description: 'k-last accepted' });
  });
});
