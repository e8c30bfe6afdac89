import { buildDeadLetterHeaders, type ConsumedMessage, REPLAYED_FROM_HEADER } from '@sluice/kafka';
import { collectMessages, createRandomTopic, deleteTopics, MessageCollector, produceFixtures, testKafka } from '@sluice/kafka/testing';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { randomTenant, waitFor } from '@sluice/testing';
import { apiClient, createTestDatabase, RunningIngestion, startIngestion, tenantWithKey } from '../../test/ingestion.harness';
import { ConsoleModule } from './console.module';
import type { DeadLetterView } from './dead-letters.handler';

type Listing = { topic: string; total: number; entries: DeadLetterView[] };

describe('dead letters in the console (real broker and database)', () => {
  const kafka = testKafka();
  const operatorTenant = randomTenant('ops');
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  let dlqTopic: string;
  let originalTopic: string;
  let replays: MessageCollector;

  /** A message of `tenant` dead-lettered from the original topic, as a service's consumer does it. */
  function deadLettered(tenant: string, id: string) {
    const original: ConsumedMessage = {
      topic: originalTopic,
      partition: 0,
      offset: '7',
      key: Buffer.from(id),
      value: Buffer.from(JSON.stringify({ tenant, id })),
      headers: {},
      timestamp: String(Date.now()),
    };
    return {
      key: id,
      value: { tenant, id },
      headers: buildDeadLetterHeaders(original, { code: 'RETRIES_EXHAUSTED', message: 'kept failing', attempts: 3 }),
    };
  }

  beforeAll(async () => {
    dlqTopic = await createRandomTopic(kafka, { prefix: 'console-dlq' });
    originalTopic = await createRandomTopic(kafka, { prefix: 'console-orig' });
    replays = await collectMessages(kafka, originalTopic);
    database = await createTestDatabase();
    ingestion = await startIngestion({
      database,
      modules: [ConsoleModule],
      env: { INGESTION_CONSOLE_OPERATOR_TENANTS: operatorTenant, INGESTION_CONSOLE_DLQ_TOPIC: dlqTopic },
    });
  });

  afterAll(async () => {
    await replays?.stop();
    await ingestion?.close();
    await database?.drop();
    await deleteTopics(kafka, [dlqTopic, originalTopic]);
  });

  it('shows a tenant its own dead letters; an operator replays one to where it came from, once, and a tenant key may not', async () => {
    const mine = await tenantWithKey(ingestion.ledger, 'dlq');
    const theirs = await tenantWithKey(ingestion.ledger, 'oth');
    await ingestion.ledger.tenants.upsert(operatorTenant);
    const operator = (await ingestion.ledger.apiKeys.issue(operatorTenant)).key;
    await produceFixtures(kafka, dlqTopic, [deadLettered(mine.tenant, 'd1'), deadLettered(theirs.tenant, 'd2')]);

    const minePage = (await apiClient(ingestion.baseUrl, mine.key).get('/console/api/dlq')).body as Listing;
    expect(minePage.entries).toEqual([
      expect.objectContaining({ tenant: mine.tenant, requestId: 'd1', code: 'RETRIES_EXHAUSTED', originalTopic, disposition: null }),
    ]);
    expect(minePage.entries[0]).not.toHaveProperty('value');
    const all = (await apiClient(ingestion.baseUrl, operator).get('/console/api/dlq')).body as Listing;
    expect(all.entries.map((entry) => entry.requestId).sort()).toEqual(['d1', 'd2']);

    const entry = { partition: minePage.entries[0].dlqPartition, offset: minePage.entries[0].dlqOffset };
    const refused = await apiClient(ingestion.baseUrl, mine.key).post('/console/api/dlq/replay', { entries: [entry] });
    expect(refused.status).toBe(403);
    const replayed = await apiClient(ingestion.baseUrl, operator).post('/console/api/dlq/replay', { entries: [entry] });
    expect(replayed.status).toBe(201);
    expect(replayed.body).toEqual({ settled: [entry] });
    const again = await apiClient(ingestion.baseUrl, operator).post('/console/api/dlq/replay', { entries: [entry] });
    expect(again.body).toEqual({ settled: [] });

    await waitFor(() => replays.messages.length > 0, { timeoutMs: 15_000, description: 'the replayed message on its original topic' });
    expect(replays.messages).toHaveLength(1);
    expect(replays.messages[0].value?.toString()).toBe(JSON.stringify({ tenant: mine.tenant, id: 'd1' }));
    expect(replays.messages[0].headers[REPLAYED_FROM_HEADER]).toBe(`${dlqTopic}/${entry.partition}/${entry.offset}`);
    const after = (await apiClient(ingestion.baseUrl, mine.key).get('/console/api/dlq')).body as Listing;
    expect(after.entries[0].disposition).toBe('replayed');
  });

  it('refuses an action on no entries naming the field', async () => {
    await ingestion.ledger.tenants.upsert(operatorTenant);
    const operator = (await ingestion.ledger.apiKeys.issue(operatorTenant)).key;
    const reply = await apiClient(ingestion.baseUrl, operator).post('/console/api/dlq/drop', { entries: [] });
    expect(reply.status).toBe(400);
    expect((reply.body as { error: unknown }).error).toMatchObject({ code: 'INVALID_FIELD', field: 'entries' });
  });
});
