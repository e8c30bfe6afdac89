import { AcceptedRequestV1, InferenceResultV1, Lane, LifecycleEventV1, resultIdFor, Topics, validateMessage } from '@sluice/contracts';
import { sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { collectMessages, MessageCollector, testKafka } from '@sluice/kafka/testing';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { waitFor } from '@sluice/testing';
import type { Server } from 'node:http';
import { apiClient, createTestDatabase, RunningIngestion, startIngestion, tenantWithKey } from '../../test/ingestion.harness';

const NDJSON = { 'content-type': 'application/x-ndjson' };

function line(overrides: Record<string, unknown> = {}): string {
  const { tenant: _t, id: _i, deadline: _d, notBefore: _n, mode: _m, replyTo: _r, webhook: _w, ...rest } = sampleRequest();
  return JSON.stringify({ ...rest, ...overrides });
}

function decoded<T>(collector: MessageCollector): T[] {
  return collector.messages.map((message) => JSON.parse(message.value?.toString('utf8') ?? 'null') as T);
}

function jsonl(text: unknown): unknown[] {
  return String(text)
    .split('\n')
    .filter((row) => row !== '')
    .map((row) => JSON.parse(row) as unknown);
}

describe('bulk jobs over HTTP (real broker and database)', () => {
  const kafka = testKafka();
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  let accepted: MessageCollector;
  let events: MessageCollector;

  const acceptedFor = (tenant: string) => decoded<AcceptedRequestV1>(accepted).filter((message) => message.request?.tenant === tenant);
  const eventsFor = (tenant: string) => decoded<LifecycleEventV1>(events).filter((event) => event.tenant === tenant);

  async function book(tenant: string, id: string, lane: Lane = 'batch'): Promise<InferenceResultV1> {
    const outcome = validateMessage(InferenceResultV1, sampleResult({ tenant, id, lane, resultId: resultIdFor(tenant, id, lane) }));
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    expect(await ingestion.ledger.completions.book(outcome.value)).toMatchObject({ outcome: 'booked' });
    return outcome.value;
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    ingestion = await startIngestion({ database, env: { INGESTION_BODY_LIMIT_BYTES: '4096', INGESTION_JOB_MAX_LINES: '10000' } });
    [accepted, events] = await Promise.all([
      collectMessages(kafka, Topics.Accepted, { fromEnd: true }),
      collectMessages(kafka, Topics.Events, { fromEnd: true }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([accepted?.stop(), events?.stop()]);
    await ingestion?.close();
    await database?.drop();
  });

  it('takes a JSONL job: valid lines become requests of the job on the router topic, invalid ones are reported', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'job');
    const client = apiClient(ingestion.baseUrl, key);
    const body = [
      line(),
      line({ id: 'own-line', mode: 'realtime' }),
      '{"provider": "openai",',
      '',
      line({ body: { messages: [{ role: 'user', content: 'x' }] } }),
      line(),
    ].join('\n');
    const reply = await client.post('/v1/jobs?id=nightly&deadline=6h&mode=batch', body, NDJSON);

    expect(reply.status).toBe(202);
    expect(reply.body).toMatchObject({ id: 'nightly', status: 'received', created: true, lines: 5, accepted: 3, duplicates: 0, invalid: 2 });
    expect((reply.body as { errors: unknown[] }).errors).toEqual([
      { line: 3, id: 'nightly-3', code: 'INVALID_JSON', message: expect.stringContaining('not valid JSON'), field: '' },
      { line: 5, id: 'nightly-5', code: 'MISSING_FIELD', message: expect.any(String), field: 'body.model' },
    ]);

    const job = await ingestion.ledger.jobs.get(tenant, 'nightly');
    const deadline = new Date(job!.createdAt.getTime() + 6 * 3_600_000);
    expect(await ingestion.ledger.requests.get(tenant, 'nightly-1')).toMatchObject({ job: { id: 'nightly', line: 1 }, mode: 'batch', deadline });
    expect(await ingestion.ledger.requests.get(tenant, 'own-line')).toMatchObject({ job: { id: 'nightly', line: 2 }, mode: 'realtime' });
    expect(await ingestion.ledger.requests.get(tenant, 'nightly-6')).toMatchObject({ job: { id: 'nightly', line: 6 } });

    await waitFor(() => acceptedFor(tenant).length === 3, { timeoutMs: 20_000, description: "the job's accepted messages" });
    expect(
      acceptedFor(tenant)
        .map((message) => message.request.id)
        .sort(),
    ).toEqual(['nightly-1', 'nightly-6', 'own-line']);
    expect(acceptedFor(tenant).find((message) => message.request.id === 'nightly-1')).toMatchObject({ deadline: deadline.toISOString(), source: 'http' });
    await waitFor(() => eventsFor(tenant).filter((event) => event.type === 'rejected').length === 2, { timeoutMs: 20_000, description: 'two rejected events' });
    expect(
      eventsFor(tenant)
        .filter((event) => event.type === 'rejected')
        .map((event) => event.requestId)
        .sort(),
    ).toEqual(['nightly-3', 'nightly-5']);

    const errors = await client.get('/v1/jobs/nightly/errors');
    expect(errors.headers.get('content-type')).toContain('application/x-ndjson');
    expect(jsonl(errors.body)).toEqual([
      { line: 3, id: 'nightly-3', code: 'INVALID_JSON', message: expect.any(String), field: '' },
      { line: 5, id: 'nightly-5', code: 'MISSING_FIELD', message: expect.any(String), field: 'body.model' },
    ]);
  });

  it('shows progress by lane and streams the delivered results in line order, to the job’s tenant only', async () => {
    const owner = await tenantWithKey(ingestion.ledger, 'job');
    const other = await tenantWithKey(ingestion.ledger, 'oth');
    const client = apiClient(ingestion.baseUrl, owner.key);
    expect((await client.post('/v1/jobs?id=progress', [line(), line(), line()].join('\n'), NDJSON)).status).toBe(202);

    expect((await client.get('/v1/jobs/progress')).body).toMatchObject({
      id: 'progress',
      status: 'running',
      lines: 3,
      invalid: 0,
      progress: { total: 3, succeeded: 0, failed: 0, pending: 3, unrouted: 3, fraction: 0, lanes: {} },
      links: { results: '/v1/jobs/progress/results' },
    });
    await ingestion.ledger.requests.setStatus(owner.tenant, 'progress-2', 'batched', 'batch');
    const third = await book(owner.tenant, 'progress-3', 'batch');
    const first = await book(owner.tenant, 'progress-1', 'cache');

    expect((await client.get('/v1/jobs/progress')).body).toMatchObject({
      status: 'running',
      progress: {
        total: 3,
        succeeded: 2,
        pending: 1,
        unrouted: 0,
        lanes: { batch: { total: 2, succeeded: 1, pending: 1 }, cache: { total: 1, succeeded: 1 } },
      },
    });
    const partial = await client.get('/v1/jobs/progress/results');
    expect(partial.status).toBe(200);
    expect(partial.headers.get('content-type')).toContain('application/x-ndjson');
    expect(jsonl(partial.body)).toEqual([JSON.parse(JSON.stringify(first)), JSON.parse(JSON.stringify(third))]);

    const second = await book(owner.tenant, 'progress-2', 'batch');
    expect((await client.get('/v1/jobs/progress')).body).toMatchObject({ status: 'completed', progress: { succeeded: 3, pending: 0, fraction: 1 } });
    const all = jsonl((await client.get('/v1/jobs/progress/results')).body) as InferenceResultV1[];
    expect(all.map((result) => result.id)).toEqual(['progress-1', 'progress-2', 'progress-3']);
    expect(all[1]).toEqual(JSON.parse(JSON.stringify(second)));
    expect(all.every((result) => validateMessage(InferenceResultV1, result).ok)).toBe(true);
    expect((jsonl((await client.get('/v1/jobs/progress/results?after=1')).body) as InferenceResultV1[]).map((result) => result.id)).toEqual([
      'progress-2',
      'progress-3',
    ]);

    const theirs = apiClient(ingestion.baseUrl, other.key);
    for (const path of ['/v1/jobs/progress', '/v1/jobs/progress/results', '/v1/jobs/progress/errors']) {
      expect(await theirs.get(path)).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'job progress not found' } } });
    }
    expect(await client.get('/v1/jobs/progress/results?after=first')).toMatchObject({ status: 400, body: { error: { field: 'after' } } });
  });

  it('creates nothing twice when the same job is posted again under its id', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'job');
    const client = apiClient(ingestion.baseUrl, key);
    const body = [line(), line({ id: 'kept-id' }), line()].join('\n');
    expect((await client.post('/v1/jobs?id=twice&deadline=2h', body, NDJSON)).status).toBe(202);
    const again = await client.post('/v1/jobs?id=twice&deadline=2h', body, NDJSON);

    expect(again).toMatchObject({ status: 200, body: { id: 'twice', created: false, lines: 3, accepted: 3, duplicates: 3, invalid: 0 } });
    const { rows } = await database.pool.query('select count(*)::int as n from requests where tenant = $1', [tenant]);
    expect(rows[0].n).toBe(3);
    expect(await client.post('/v1/jobs?id=twice&deadline=3h', body, NDJSON)).toMatchObject({
      status: 409,
      body: { error: { code: 'DUPLICATE_ID_CONFLICT', field: 'id' } },
    });
  });

  it('reads a large upload as a stream, cut anywhere, in chunks', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'job');
    const lines = 3_000;
    const text = Array.from({ length: lines }, (_, index) => line({ metadata: { n: String(index + 1) } })).join('\n');
    const bytes = Buffer.from(text);
    async function* pieces(): AsyncGenerator<Uint8Array> {
      // Odd-sized pieces, so lines and characters are split across them as on a real socket.
      for (let offset = 0; offset < bytes.length; offset += 7_919) yield bytes.subarray(offset, offset + 7_919);
    }
    const response = await fetch(`${ingestion.baseUrl}/v1/jobs?id=large&operation=chat`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/jsonl' },
      body: pieces() as unknown as RequestInit['body'],
      duplex: 'half',
    } as RequestInit);

    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({ lines, accepted: lines, invalid: 0 });
    const { rows } = await database.pool.query<{ n: number; first: number; last: number; ordered: boolean }>(
      `select count(*)::int as n, min(job_line) as first, max(job_line) as last,
              bool_and(metadata->>'n' = job_line::text) as ordered
         from requests where tenant = $1 and job_id = 'large'`,
      [tenant],
    );
    expect(rows[0]).toEqual({ n: lines, first: 1, last: lines, ordered: true });
    expect((await apiClient(ingestion.baseUrl, key).get('/v1/jobs/large')).body).toMatchObject({ progress: { total: lines, pending: lines } });
  });

  it('refuses a body that is not JSONL, an unknown option and a missing key before reading it', async () => {
    const { key } = await tenantWithKey(ingestion.ledger, 'job');
    const client = apiClient(ingestion.baseUrl, key);
    expect(await client.post('/v1/jobs', line(), { 'content-type': 'application/json' })).toMatchObject({
      status: 415,
      body: { error: { code: 'INVALID_JSON' } },
    });
    expect(await client.post('/v1/jobs?deadlin=6h', line(), NDJSON)).toMatchObject({
      status: 400,
      body: { error: { code: 'UNKNOWN_FIELD', field: 'deadlin' } },
    });
    expect(await client.post('/v1/jobs?deadline=soon', line(), NDJSON)).toMatchObject({ status: 400, body: { error: { field: 'deadline' } } });
    expect(await apiClient(ingestion.baseUrl).post('/v1/jobs', line(), NDJSON)).toMatchObject({ status: 401 });
  });

  it('lets a job upload take longer than Node’s default request timeout', () => {
    expect((ingestion.app.getHttpServer() as Server).requestTimeout).toBe(60 * 60 * 1000);
  });
});
