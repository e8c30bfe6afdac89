import { LifecycleEventV1, Topics } from '@sluice/contracts';
import { collectMessages, MessageCollector, testKafka } from '@sluice/kafka/testing';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { waitFor } from '@sluice/testing';
import { httpBadInputCorpus } from '@sluice/testing/corpus/bad-input.corpus';
import { apiClient, createTestDatabase, RunningIngestion, startIngestion, tenantWithKey } from '../../test/ingestion.harness';

interface ErrorReply {
  error?: { code: string; field?: string };
  errors?: Array<{ code: string; field: string }>;
}

interface JobReply {
  lines: number;
  accepted: number;
  invalid: number;
  errors: Array<{ line: number; id: string; code: string; field: string }>;
}

describe('the bad-input corpus over HTTP, with the default limits (real body parser, broker and database)', () => {
  const kafka = testKafka();
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  let events: MessageCollector;

  beforeAll(async () => {
    database = await createTestDatabase();
    ingestion = await startIngestion({ database });
    events = await collectMessages(kafka, Topics.Events, { fromEnd: true });
  });

  afterAll(async () => {
    await events?.stop();
    await ingestion?.close();
    await database?.drop();
  });

  it('refuses each case posted alone or as a bulk item with its status, code and field, a rejected event for each named one, and records none', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'hcorpus');
    const client = apiClient(ingestion.baseUrl, key);
    const corpus = httpBadInputCorpus('door', { tenant }).filter((item) => item.place !== 'job-line');

    const answers = [];
    for (const item of corpus) {
      const reply = await client.post('/v1/requests', item.body.toString());
      const body = reply.body as ErrorReply;
      const error = body.errors?.[0] ?? body.error;
      answers.push({ place: item.place, kind: item.kind, status: reply.status, code: error?.code, field: error?.field || undefined });
    }

    expect(answers).toEqual(corpus.map((item) => ({ place: item.place, kind: item.kind, ...item.expect })));
    const named = corpus.flatMap((item) => (item.requestId === undefined ? [] : [item.requestId]));
    const rejected = () =>
      new Set(
        events.messages
          .map((message) => JSON.parse(message.value!.toString()) as LifecycleEventV1)
          .filter((event) => event.tenant === tenant && event.type === 'rejected')
          .map((event) => event.requestId),
      );
    await waitFor(() => named.every((id) => rejected().has(id)), { timeoutMs: 30_000, description: `the rejected events of the ${named.length} named cases` });
    for (const id of named) expect(await ingestion.ledger.requests.get(tenant, id)).toBeUndefined();
  });

  it('refuses each case as a line of one job, line by line, and the job goes on to the valid line after them', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'jcorpus');
    const corpus = httpBadInputCorpus('door', { tenant }).filter((item) => item.place === 'job-line');
    const valid = JSON.stringify({
      id: 'job-valid',
      provider: 'openai',
      operation: 'chat',
      body: { model: 'gpt-4o-mini', messages: [] },
      maxLatencyMs: 600_000,
    });
    const upload = [...corpus.map((item) => item.body.toString()), valid].join('\n');

    const reply = await apiClient(ingestion.baseUrl, key).post('/v1/jobs?id=corpus', upload, { 'content-type': 'application/x-ndjson' });

    expect(reply.status).toBe(202);
    const job = reply.body as JobReply;
    expect({ lines: job.lines, accepted: job.accepted, invalid: job.invalid }).toEqual({ lines: corpus.length + 1, accepted: 1, invalid: corpus.length });
    expect(job.errors.map((error) => ({ line: error.line, id: error.id, code: error.code, field: error.field || undefined }))).toEqual(
      corpus.map((item, index) => ({ line: index + 1, id: item.requestId ?? `corpus-${index + 1}`, code: item.expect.code, field: item.expect.field })),
    );
    expect(await ingestion.ledger.requests.get(tenant, 'job-valid')).toMatchObject({ status: 'accepted' });
  });
});
