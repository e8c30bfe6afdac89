import { EventPattern, Payload } from '@nestjs/microservices';
import { AcceptedRequestV1, LifecycleEventV1, Topics, validateMessage } from '@sluice/contracts';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { MessageOutcome, parseBrokerList, SluiceKafkaTransport, withAdmin } from '@sluice/kafka';
import { collectMessages, deleteTopics, fastSession, memoryLogger, MessageCollector, produceFixtures, testKafka } from '@sluice/kafka/testing';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { topicContracts } from '@sluice/observability';
import { randomGroupId, randomTenant, randomTopicName, waitFor } from '@sluice/testing';
import { badInputCorpus, valueBytes } from '@sluice/testing/corpus/bad-input.corpus';
import { createTestDatabase, RunningIngestion, startIngestion } from '../../test/ingestion.harness';
import { ingestionService } from '../ingestion.definition';
import { RequestMessages, RequestsConsumer } from './requests.consumer';

// The production consumer, moved to topics of this test's own: the shared sluice.requests.v1 and
// sluice.requests.bulk.v1 hold other runs' requests, which this test must neither read nor publish again.
const requestsTopic = randomTopicName('ingestion-requests');
const bulkTopic = randomTopicName('ingestion-requests-bulk');
// Ingestion refuses a replyTo topic that does not exist: the requests here name one of this test's own.
const replyTopic = randomTopicName('ingestion-replies');

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return sampleRequest({ replyTo: replyTopic, ...overrides });
}

class TestTopicRequestsConsumer extends RequestsConsumer {
  @EventPattern(requestsTopic, { batch: true })
  override onRequests(@Payload() messages: RequestMessages): Promise<MessageOutcome[]> {
    return super.onRequests(messages);
  }

  @EventPattern(bulkTopic, { batch: true, group: 'bulk' })
  override onBulkRequests(@Payload() messages: RequestMessages): Promise<MessageOutcome[]> {
    return super.onBulkRequests(messages);
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
  let urgent: MessageCollector;
  let events: MessageCollector;
  let dlq: MessageCollector;

  const acceptedOfTenant = () => decoded<AcceptedRequestV1>(accepted).filter((message) => message.request?.tenant === tenant);
  const urgentOfTenant = () => decoded<AcceptedRequestV1>(urgent).filter((message) => message.request?.tenant === tenant);
  const eventsOfTenant = () => decoded<LifecycleEventV1>(events).filter((event) => event.tenant === tenant);
  const deadLettered = () => dlq.messages.filter((message) => message.headers['x-sluice-original-topic'] === requestsTopic);
  const inSeconds = (seconds: number) => new Date(Date.now() + seconds * 1_000).toISOString();

  beforeAll(async () => {
    await withAdmin(kafka, (admin) =>
      admin.ensureTopics([
        // Room for the corpus's 2 MB request, which Sluice must refuse itself when the topic takes it.
        { name: requestsTopic, partitions: 2, config: { 'max.message.bytes': 4 * 1024 * 1024 } },
        { name: bulkTopic, partitions: 2 },
        { name: replyTopic, partitions: 1 },
      ]),
    );
    database = await createTestDatabase();
    transport = new SluiceKafkaTransport({
      client: { brokers: parseBrokerList(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'), clientId: 'ingestion-test', logger: memoryLogger() },
      groupId: randomGroupId('ingestion'),
      // As bootstrapService builds it from ingestion's `consumes`.
      contracts: topicContracts({ [requestsTopic]: ingestionService.consumes[Topics.Requests]!, [bulkTopic]: ingestionService.consumes[Topics.RequestsBulk]! }),
      consumer: { session: fastSession, retry: { maxRetries: 1, initialDelayMs: 10, maxDelayMs: 20 } },
      onFatal: (error) => {
        throw error;
      },
    });
    ingestion = await startIngestion({
      database,
      // Every batch naming a topic not in the list reads it again: a topic created just before a request is then taken whenever the list was last read.
      env: { INGESTION_TOPICS_RECHECK_GAP_MS: '0' },
      controllers: [TestTopicRequestsConsumer],
      configure: (app) => app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true }),
    });
    [accepted, urgent, events, dlq] = await Promise.all([
      collectMessages(kafka, Topics.Accepted, { fromEnd: true }),
      collectMessages(kafka, Topics.AcceptedUrgent, { fromEnd: true }),
      collectMessages(kafka, Topics.Events, { fromEnd: true }),
      collectMessages(kafka, Topics.Dlq, { fromEnd: true }),
    ]);
    await waitFor(() => transport.consumerHealth().ready, { timeoutMs: 30_000, description: 'the requests consumer to join its group' });
  });

  afterAll(async () => {
    await Promise.all([accepted?.stop(), urgent?.stop(), events?.stop(), dlq?.stop()]);
    await ingestion?.close();
    await database?.drop();
    await deleteTopics(kafka, [requestsTopic, bulkTopic, replyTopic]);
  });

  it('accepts a request: an AcceptedRequestV1 on sluice.accepted.v1 and its accepted event', async () => {
    await produceFixtures(kafka, requestsTopic, [{ key: 'k-1', value: request({ tenant, id: 'k-1' }), correlationId: 'corr-k-1' }]);

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
      { key: 'k-bad', value: request({ tenant, id: 'k-bad', body: { messages: [] } }) },
      { key: 'k-bad', value: request({ tenant, id: 'k-after' }) },
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

  it('rejects a request nested thousands of levels deep, a bad replyTo and a chosen service tier by name, while the next valid one flows', async () => {
    // As text: JSON.stringify overflows on a value this deep, and it is how such a request arrives.
    const deep = JSON.stringify(request({ tenant, id: 'k-deep', body: { model: 'gpt-4o-mini', messages: 'DEEP' } })).replace(
      '"DEEP"',
      `${'['.repeat(3_000)}${']'.repeat(3_000)}`,
    );
    await produceFixtures(kafka, requestsTopic, [
      { key: 'door', value: Buffer.from(deep) },
      { key: 'door', value: request({ tenant, id: 'k-reply', replyTo: '__consumer_offsets' }) },
      { key: 'door', value: request({ tenant, id: 'k-tier', body: { model: 'gpt-4o-mini', messages: [], service_tier: 'priority' } }) },
      { key: 'door', value: request({ tenant, id: 'k-door-after' }) },
    ]);

    await waitFor(() => acceptedOfTenant().some((message) => message.request.id === 'k-door-after'), {
      timeoutMs: 30_000,
      description: 'k-door-after accepted',
    });
    const rejections = () => eventsOfTenant().filter((event) => event.type === 'rejected' && ['k-deep', 'k-reply', 'k-tier'].includes(event.requestId));
    await waitFor(() => rejections().length === 3, { timeoutMs: 30_000, description: 'the three rejections' });
    expect(new Map(rejections().map((event) => [event.requestId, event.error]))).toEqual(
      new Map([
        ['k-deep', { code: 'INVALID_FIELD', field: 'body', message: expect.stringContaining('levels deep') }],
        ['k-reply', { code: 'INVALID_FIELD', field: 'replyTo', message: expect.stringContaining('internal') }],
        ['k-tier', { code: 'INVALID_FIELD', field: 'body.service_tier', message: expect.stringContaining('Sluice picks the service tier') }],
      ]),
    );
    expect(deadLettered().filter((message) => message.key?.toString() === 'door')).toEqual([]);
    for (const id of ['k-deep', 'k-reply', 'k-tier']) expect(await ingestion.ledger.requests.get(tenant, id)).toBeUndefined();
  });

  it('refuses a request whose replyTo topic does not exist by REPLY_TO_NOT_FOUND naming replyTo, takes one whose topic was created just before, and handles what is behind them', async () => {
    const created = randomTopicName('ingestion-reply-new');
    const nowhere = randomTopicName('ingestion-reply-nowhere');
    await withAdmin(kafka, (admin) => admin.ensureTopics([{ name: created, partitions: 1 }]));
    try {
      // One key: one partition, the refused request ahead of the others.
      await produceFixtures(kafka, requestsTopic, [
        { key: 'reply', value: request({ tenant, id: 'r-nowhere', replyTo: nowhere }) },
        { key: 'reply', value: request({ tenant, id: 'r-created', replyTo: created }) },
        { key: 'reply', value: request({ tenant, id: 'r-after' }) },
      ]);

      await waitFor(() => ['r-created', 'r-after'].every((id) => acceptedOfTenant().some((message) => message.request.id === id)), {
        timeoutMs: 30_000,
        description: 'r-created and r-after accepted',
      });
      await waitFor(() => eventsOfTenant().some((event) => event.type === 'rejected' && event.requestId === 'r-nowhere'), {
        timeoutMs: 30_000,
        description: 'the rejection of r-nowhere',
      });
      expect(eventsOfTenant().find((event) => event.type === 'rejected' && event.requestId === 'r-nowhere')?.error).toEqual({
        code: 'REPLY_TO_NOT_FOUND',
        field: 'replyTo',
        message: expect.stringContaining(nowhere),
      });
      expect(acceptedOfTenant().find((message) => message.request.id === 'r-created')?.request.replyTo).toBe(created);
      expect(await ingestion.ledger.requests.get(tenant, 'r-nowhere')).toBeUndefined();
      expect(deadLettered().filter((message) => message.key?.toString() === 'reply')).toEqual([]);
    } finally {
      await deleteTopics(kafka, [created]);
    }
  });

  it('dead-letters what is not a JSON object, and what names no usable tenant, with the reason in headers', async () => {
    await produceFixtures(kafka, requestsTopic, [
      { key: 'k-garbage', value: Buffer.from('{"tenant": "acme", oops') },
      { key: 'k-array', value: Buffer.from('[{"tenant": "acme"}]') },
      { key: 'k-no-tenant', value: request({ tenant: undefined, id: 'k-no-tenant' }) },
      { key: 'k-bad-tenant', value: request({ tenant: 'Not Valid', id: 'k-bad-tenant' }) },
      { key: 'k-last', value: request({ tenant, id: 'k-last' }) },
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
  it('refuses every kind of the bad-input corpus on one partition by its code, dead-letters only the unreadable, and accepts the request behind them', async () => {
    // A tenant of its own, so its events are only the corpus's.
    const corpusTenant = randomTenant('kcorpus');
    const corpus = badInputCorpus('door', { tenant: corpusTenant });
    const key = 'corpus';
    await produceFixtures(kafka, requestsTopic, [
      ...corpus.flatMap((item) => [
        ...(item.setup ? [{ key, value: valueBytes(item.setup.value) }] : []),
        { key, value: valueBytes(item.value), headers: item.headers },
      ]),
      { key, value: request({ tenant: corpusTenant, id: 'corpus-after' }) },
    ]);

    await waitFor(
      () => decoded<AcceptedRequestV1>(accepted).some((message) => message.request?.tenant === corpusTenant && message.request.id === 'corpus-after'),
      {
        timeoutMs: 60_000,
        description: 'the valid request behind the corpus accepted',
      },
    );
    const named = corpus.filter((item) => item.requestId !== undefined);
    const namedIds = new Set(named.map((item) => item.requestId));
    const rejections = () => decoded<LifecycleEventV1>(events).filter((event) => event.tenant === corpusTenant && event.type === 'rejected');
    await waitFor(() => named.every((item) => rejections().some((event) => event.requestId === item.requestId)), {
      timeoutMs: 60_000,
      description: `a rejected event for each of the ${named.length} cases with a readable id`,
    });
    const errorOf = (requestId: string) => rejections().find((event) => event.requestId === requestId)?.error;
    expect(named.map((item) => ({ kind: item.kind, code: errorOf(item.requestId!)?.code, field: errorOf(item.requestId!)?.field }))).toEqual(
      named.map((item) => ({ kind: item.kind, code: item.expect.code, field: item.expect.field })),
    );
    // The request with an unusable id is rejected under one derived from its position.
    const unnamed = corpus.filter((item) => item.kind === 'id-invalid');
    await waitFor(() => rejections().filter((event) => !namedIds.has(event.requestId)).length === unnamed.length, {
      timeoutMs: 60_000,
      description: 'the rejection under a derived id',
    });
    expect(
      rejections()
        .filter((event) => !namedIds.has(event.requestId))
        .map((event) => event.error),
    ).toEqual(unnamed.map((item) => expect.objectContaining(item.expect)));

    const unreadable = corpus.filter((item) => item.requestId === undefined && item.kind !== 'id-invalid');
    const corpusDeadLetters = () => deadLettered().filter((message) => message.key?.toString() === key);
    await waitFor(() => corpusDeadLetters().length >= unreadable.length, { timeoutMs: 60_000, description: `${unreadable.length} dead-lettered cases` });
    // Each once, on its first attempt: nothing that can never succeed is retried.
    const byCode = (entries: string[][]) => entries.map((entry) => entry.join(' ')).sort();
    expect(byCode(corpusDeadLetters().map((message) => [message.headers['x-sluice-error-code'], message.headers['x-sluice-attempts']]))).toEqual(
      byCode(unreadable.map((item) => [item.expect.code, '1'])),
    );

    const duplicate = corpus.find((item) => item.setup)!;
    expect(await ingestion.ledger.requests.get(corpusTenant, duplicate.requestId!)).toMatchObject({ status: 'accepted' });
    for (const item of named.filter((candidate) => candidate !== duplicate)) {
      expect(await ingestion.ledger.requests.get(corpusTenant, item.requestId!)).toBeUndefined();
    }
  });

  it('takes a batch mixing valid, invalid, urgent and deferrable requests: each to its topic, every one accounted for', async () => {
    // One key: one partition, so the messages arrive in one fetch.
    await produceFixtures(kafka, requestsTopic, [
      { key: 'mix', value: request({ tenant, id: 'm-later', deadline: inSeconds(48 * 3600), notBefore: undefined }) },
      { key: 'mix', value: request({ tenant, id: 'm-soon', deadline: inSeconds(20), notBefore: undefined }) },
      { key: 'mix', value: request({ tenant, id: 'm-bad', body: { messages: [] } }) },
      { key: 'mix', value: request({ tenant, id: 'm-stream', stream: true, cache: false, notBefore: undefined }) },
      { key: 'mix', value: request({ tenant: undefined, id: 'm-no-tenant' }) },
      { key: 'mix', value: request({ tenant, id: 'm-batch', mode: 'batch', deadline: inSeconds(20), notBefore: undefined }) },
      { key: 'mix', value: request({ tenant, id: 'm-bad-mode', mode: 'whenever' }) },
      { key: 'mix', value: request({ tenant, id: 'm-realtime', mode: 'realtime', deadline: inSeconds(48 * 3600), notBefore: undefined }) },
    ]);

    const settled = () =>
      acceptedOfTenant().filter((message) => message.request.id.startsWith('m-')).length +
      urgentOfTenant().filter((message) => message.request.id.startsWith('m-')).length;
    await waitFor(() => settled() === 5, { timeoutMs: 30_000, description: 'the five valid requests of the batch accepted' });
    await waitFor(() => eventsOfTenant().filter((event) => event.type === 'rejected' && event.requestId.startsWith('m-')).length === 2, {
      timeoutMs: 30_000,
      description: 'the two rejections of the batch',
    });
    await waitFor(() => deadLettered().some((message) => message.key?.toString() === 'mix'), {
      timeoutMs: 30_000,
      description: 'the request without a tenant dead-lettered',
    });

    const ids = (messages: AcceptedRequestV1[]) =>
      messages
        .map((message) => message.request.id)
        .filter((id) => id.startsWith('m-'))
        .sort();
    expect(ids(urgentOfTenant())).toEqual(['m-realtime', 'm-soon', 'm-stream']);
    expect(ids(acceptedOfTenant())).toEqual(['m-batch', 'm-later']);
    expect(
      validateMessage(
        AcceptedRequestV1,
        urgentOfTenant().find((message) => message.request.id === 'm-soon'),
      ).ok,
    ).toBe(true);
    const rejected = eventsOfTenant().filter((event) => event.type === 'rejected' && event.requestId.startsWith('m-'));
    expect(new Map(rejected.map((event) => [event.requestId, event.error?.code]))).toEqual(
      new Map([
        ['m-bad', 'MISSING_FIELD'],
        ['m-bad-mode', 'INVALID_FIELD'],
      ]),
    );
    await waitFor(() => eventsOfTenant().filter((event) => event.type === 'accepted' && event.requestId.startsWith('m-')).length === 5, {
      timeoutMs: 30_000,
      description: 'an accepted event for each valid request',
    });
    const noTenant = deadLettered().filter((message) => message.key?.toString() === 'mix');
    expect(noTenant.map((message) => message.headers['x-sluice-error-code'])).toEqual(['MISSING_TENANT']);
    for (const id of ['m-later', 'm-soon', 'm-stream', 'm-batch', 'm-realtime']) {
      expect(await ingestion.ledger.requests.get(tenant, id)).toMatchObject({ status: 'accepted' });
    }
  });

  it('keeps what is produced to the bulk intake on sluice.accepted.v1 even with a realtime-ish deadline: the producer chose bulk', async () => {
    await produceFixtures(kafka, bulkTopic, [
      { key: 'b-soon', value: request({ tenant, id: 'b-soon', deadline: inSeconds(20), notBefore: undefined }) },
      { key: 'b-stream', value: request({ tenant, id: 'b-stream', stream: true, cache: false, notBefore: undefined }) },
      { key: 'b-bad', value: request({ tenant, id: 'b-bad', body: { messages: [] } }) },
    ]);

    await waitFor(() => acceptedOfTenant().filter((message) => message.request.id.startsWith('b-')).length === 2, {
      timeoutMs: 30_000,
      description: 'the two valid bulk requests on sluice.accepted.v1',
    });
    await waitFor(() => eventsOfTenant().some((event) => event.type === 'rejected' && event.requestId === 'b-bad'), {
      timeoutMs: 30_000,
      description: 'the rejection of b-bad',
    });
    expect(urgentOfTenant().filter((message) => message.request.id.startsWith('b-'))).toEqual([]);
    expect(acceptedOfTenant().find((message) => message.request.id === 'b-soon')).toMatchObject({ source: 'kafka', deadline: expect.any(String) });
  });
});
