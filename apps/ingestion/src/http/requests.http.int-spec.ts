import { AcceptedRequestV1, InferenceResultV1, LifecycleEventV1, resultIdFor, Topics, validateMessage } from '@sluice/contracts';
import { sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { withAdmin } from '@sluice/kafka';
import { collectMessages, deleteTopics, MessageCollector, testKafka } from '@sluice/kafka/testing';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { randomTopicName, waitFor } from '@sluice/testing';
import { apiClient, createTestDatabase, HttpReply, RunningIngestion, startIngestion, tenantWithKey } from '../../test/ingestion.harness';

const SINGLE_LIMIT = 4_096;
const BULK_LIMIT = 64 * 1024;
const RATE_LIMIT = 20;

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { tenant: _tenant, deadline: _deadline, notBefore: _notBefore, replyTo: _replyTo, webhook: _webhook, ...rest } = sampleRequest(overrides);
  return { ...rest, maxLatencyMs: 60_000, ...overrides };
}

function decoded<T>(collector: MessageCollector): T[] {
  return collector.messages.map((message) => JSON.parse(message.value?.toString('utf8') ?? 'null') as T);
}

describe('ingestion HTTP API (real broker and database)', () => {
  const kafka = testKafka();
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  // Requests here have 60 s deadlines: they need the realtime lane and take the urgent path.
  let urgent: MessageCollector;
  let events: MessageCollector;

  const urgentFor = (tenant: string) => decoded<AcceptedRequestV1>(urgent).filter((message) => message.request?.tenant === tenant);
  const eventsFor = (tenant: string) => decoded<LifecycleEventV1>(events).filter((event) => event.tenant === tenant);

  beforeAll(async () => {
    database = await createTestDatabase();
    ingestion = await startIngestion({
      database,
      env: {
        INGESTION_BODY_LIMIT_BYTES: String(SINGLE_LIMIT),
        INGESTION_BULK_BODY_LIMIT_BYTES: String(BULK_LIMIT),
        INGESTION_BULK_MAX_REQUESTS: '5',
        INGESTION_RATE_LIMIT_REQUESTS: String(RATE_LIMIT),
        INGESTION_RATE_LIMIT_WINDOW_MS: '60000',
        // Every request naming a topic not in the list reads it again, however recently it was read.
        INGESTION_TOPICS_RECHECK_GAP_MS: '0',
      },
    });
    [urgent, events] = await Promise.all([
      collectMessages(kafka, Topics.AcceptedUrgent, { fromEnd: true }),
      collectMessages(kafka, Topics.Events, { fromEnd: true }),
    ]);
  });

  afterAll(async () => {
    await Promise.all([urgent?.stop(), events?.stop()]);
    await ingestion?.close();
    await database?.drop();
  });

  it('accepts a request with an API key: 202, then the accepted message and event for the key’s tenant', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger);
    const reply = await apiClient(ingestion.baseUrl, key).post('/v1/requests', request({ id: 'http-1' }), { 'x-correlation-id': 'corr-http-1' });

    expect(reply.status).toBe(202);
    expect(reply.body).toEqual({
      id: 'http-1',
      status: 'accepted',
      duplicate: false,
      links: { self: '/v1/requests/http-1', events: '/v1/requests/http-1/events' },
    });
    await waitFor(() => urgentFor(tenant).length === 1 && eventsFor(tenant).length === 1, {
      timeoutMs: 20_000,
      description: 'the accepted message and event',
    });
    expect(urgentFor(tenant)[0]).toMatchObject({ request: { id: 'http-1', tenant, provider: 'openai' }, source: 'http' });
    expect(eventsFor(tenant)[0]).toMatchObject({ type: 'accepted', requestId: 'http-1', eventId: `${tenant}.http-1.accepted` });
    const message = urgent.messages.find((candidate) => candidate.key?.toString() === 'http-1' && candidate.value?.toString().includes(tenant));
    expect(message?.headers).toMatchObject({ 'x-correlation-id': 'corr-http-1', 'x-request-id': 'http-1' });
    expect(await ingestion.ledger.requests.get(tenant, 'http-1')).toMatchObject({ status: 'accepted', mode: 'auto' });
  });

  it('refuses a request without a key, with a malformed one, and with a revoked one: 401', async () => {
    const { key, prefix } = await tenantWithKey(ingestion.ledger);
    await ingestion.ledger.apiKeys.revoke(prefix);

    for (const client of [apiClient(ingestion.baseUrl), apiClient(ingestion.baseUrl, 'slc_nope'), apiClient(ingestion.baseUrl, key)]) {
      const reply = await client.post('/v1/requests', request());
      expect(reply.status).toBe(401);
      expect(reply.body).toMatchObject({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
      expect(reply.headers.get('www-authenticate')).toContain('Bearer');
    }
  });

  it('accepts a bulk body, one receipt per request, and publishes each', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger);
    const reply = await apiClient(ingestion.baseUrl, key).post('/v1/requests', {
      requests: [
        request({ id: 'bulk-a' }),
        request({ id: 'bulk-b', operation: 'embedding', body: { model: 'text-embedding-3-small', input: 'x' } }),
        request({ id: undefined }),
      ],
    });

    expect(reply.status).toBe(202);
    const receipts = (reply.body as { requests: Array<{ id: string; status: string }> }).requests;
    expect(receipts.map((receipt) => receipt.status)).toEqual(['accepted', 'accepted', 'accepted']);
    expect(receipts[2].id).toMatch(/^req_[0-9A-Z]{26}$/);
    await waitFor(() => urgentFor(tenant).length === 3, { timeoutMs: 20_000, description: 'three accepted messages' });
    expect(
      urgentFor(tenant)
        .map((message) => message.request.id)
        .sort(),
    ).toEqual([...receipts.map((receipt) => receipt.id)].sort());
  });

  it('is idempotent by id: the same body answers the same request, another body 409', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger);
    const client = apiClient(ingestion.baseUrl, key);
    const first = await client.post('/v1/requests', request({ id: 'idem-1' }));
    const again = await client.post('/v1/requests', request({ id: 'idem-1' }));
    const conflict = await client.post('/v1/requests', request({ id: 'idem-1', body: { model: 'gpt-4o', messages: [] } }));

    expect(first.status).toBe(202);
    expect(again).toMatchObject({ status: 200, body: { id: 'idem-1', duplicate: true } });
    expect(conflict).toMatchObject({ status: 409, body: { error: { code: 'DUPLICATE_ID_CONFLICT', field: 'id' } } });
    await waitFor(() => eventsFor(tenant).some((event) => event.type === 'rejected'), { timeoutMs: 20_000, description: 'the conflict rejection' });
    expect(eventsFor(tenant).find((event) => event.type === 'rejected')).toMatchObject({
      requestId: 'idem-1',
      error: { code: 'DUPLICATE_ID_CONFLICT', field: 'id' },
    });
  });

  it('refuses an invalid request 400 naming each field, with a rejected event', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger);
    const reply = await apiClient(ingestion.baseUrl, key).post('/v1/requests', request({ id: 'bad-1', body: { messages: [] }, mode: 'whenever' }));

    expect(reply.status).toBe(400);
    const fields = (reply.body as { errors: Array<{ field: string }> }).errors.map((error) => error.field).sort();
    expect(fields).toEqual(['body.model', 'mode']);
    await waitFor(() => eventsFor(tenant).length === 1, { timeoutMs: 20_000, description: 'the rejected event' });
    expect(eventsFor(tenant)[0]).toMatchObject({ type: 'rejected', requestId: 'bad-1', error: { field: expect.stringMatching(/^(body\.model|mode)$/) } });
    expect(await ingestion.ledger.requests.get(tenant, 'bad-1')).toBeUndefined();
  });

  it('refuses a request whose replyTo topic does not exist 400 naming replyTo, with a rejected event, and takes one whose topic was created just before', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger);
    const client = apiClient(ingestion.baseUrl, key);
    const created = randomTopicName('ingestion-http-reply');
    await withAdmin(kafka, (admin) => admin.ensureTopics([{ name: created, partitions: 1 }]));
    try {
      const refused = await client.post('/v1/requests', request({ id: 'reply-nowhere', replyTo: randomTopicName('ingestion-http-nowhere') }));
      const taken = await client.post('/v1/requests', request({ id: 'reply-created', replyTo: created }));

      expect(refused).toMatchObject({ status: 400, body: { errors: [{ code: 'REPLY_TO_NOT_FOUND', field: 'replyTo' }] } });
      expect(taken.status).toBe(202);
      await waitFor(() => eventsFor(tenant).some((event) => event.type === 'rejected' && event.requestId === 'reply-nowhere'), {
        timeoutMs: 20_000,
        description: 'the rejection of reply-nowhere',
      });
      expect(await ingestion.ledger.requests.get(tenant, 'reply-nowhere')).toBeUndefined();
      expect(await ingestion.ledger.requests.get(tenant, 'reply-created')).toMatchObject({ status: 'accepted' });
    } finally {
      await deleteTopics(kafka, [created]);
    }
  });

  it('refuses a request nested thousands of levels deep 400 naming its field, with a rejected event', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger);
    // A bulk body, whose larger limit fits a depth that overflowed the stack; as text, as JSON.stringify overflows too.
    const deep = JSON.stringify({ requests: [request({ id: 'deep-1', body: { model: 'gpt-4o-mini', messages: 'DEEP' } })] }).replace(
      '"DEEP"',
      `${'['.repeat(20_000)}${']'.repeat(20_000)}`,
    );
    const reply = await apiClient(ingestion.baseUrl, key).post('/v1/requests', deep);

    expect(reply).toMatchObject({
      status: 400,
      body: {
        error: { code: 'VALIDATION_FAILED' },
        errors: [{ code: 'INVALID_FIELD', field: 'requests.0.body', message: expect.stringContaining('levels deep') }],
      },
    });
    await waitFor(() => eventsFor(tenant).length === 1, { timeoutMs: 20_000, description: 'the rejected event' });
    expect(eventsFor(tenant)[0]).toMatchObject({ type: 'rejected', requestId: 'deep-1', error: { code: 'INVALID_FIELD', field: 'body' } });
  });

  it('refuses bodies that are too large, not JSON, or for another tenant', async () => {
    const { key } = await tenantWithKey(ingestion.ledger);
    const client = apiClient(ingestion.baseUrl, key);
    const padding = { metadata: { note: 'x'.repeat(1_000) } };

    const single = await client.post('/v1/requests', request({ ...padding, body: { model: 'm', input: 'y'.repeat(SINGLE_LIMIT) } }));
    expect(single).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const bulk = await client.post('/v1/requests', { requests: [request({ body: { model: 'm', input: 'z'.repeat(BULK_LIMIT) } })] });
    expect(bulk).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const many = await client.post('/v1/requests', { requests: Array.from({ length: 6 }, (_, index) => request({ id: `many-${index}` })) });
    expect(many).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE' } } });
    const broken = await client.post('/v1/requests', '{"provider": "openai",');
    expect(broken).toMatchObject({ status: 400, body: { error: { code: 'INVALID_JSON' } } });
    const text = await client.post('/v1/requests', 'hello', { 'content-type': 'text/plain' });
    expect(text).toMatchObject({ status: 415, body: { error: { code: 'INVALID_JSON' } } });
    const form = await client.post('/v1/requests', 'tenant=acme&provider=openai', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form).toMatchObject({ status: 415, body: { error: { code: 'INVALID_JSON' } } });
    const foreign = await client.post('/v1/requests', { ...request(), tenant: 'someone-else' });
    expect(foreign).toMatchObject({ status: 403, body: { error: { code: 'FORBIDDEN' } } });
  });

  it("shows a tenant its own request, and another tenant's as not found", async () => {
    const owner = await tenantWithKey(ingestion.ledger, 'own');
    const other = await tenantWithKey(ingestion.ledger, 'oth');
    await apiClient(ingestion.baseUrl, owner.key).post('/v1/requests', request({ id: 'mine-1' }));

    const mine = await apiClient(ingestion.baseUrl, owner.key).get('/v1/requests/mine-1');
    expect(mine).toMatchObject({
      status: 200,
      body: { id: 'mine-1', tenant: owner.tenant, status: 'accepted', lane: null, result: null, timings: { routedAt: null } },
    });
    const theirs = await apiClient(ingestion.baseUrl, other.key).get('/v1/requests/mine-1');
    const missing = await apiClient(ingestion.baseUrl, other.key).get('/v1/requests/never-was');
    // Exactly what a request that never existed gets: nothing tells the other tenant it is there.
    expect(theirs).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'request mine-1 not found' } } });
    expect(missing).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'request never-was not found' } } });
    const stream = await apiClient(ingestion.baseUrl, other.key).get('/v1/requests/mine-1/events');
    expect(stream).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND' } } });
  });

  it('shows a completed request with its delivered result to its tenant only', async () => {
    const owner = await tenantWithKey(ingestion.ledger, 'own');
    const other = await tenantWithKey(ingestion.ledger, 'oth');
    expect((await apiClient(ingestion.baseUrl, owner.key).post('/v1/requests', request({ id: 'done-1' }))).status).toBe(202);
    const published = sampleResult({ id: 'done-1', tenant: owner.tenant, lane: 'realtime', resultId: resultIdFor(owner.tenant, 'done-1', 'realtime', 1) });
    const result = validateMessage(InferenceResultV1, published);
    if (!result.ok) throw new Error(`the fixture result is invalid: ${JSON.stringify(result.errors)}`);
    expect(await ingestion.ledger.completions.book(result.value)).toMatchObject({ outcome: 'booked' });

    const mine = await apiClient(ingestion.baseUrl, owner.key).get('/v1/requests/done-1');
    expect(mine).toMatchObject({ status: 200, body: { id: 'done-1', tenant: owner.tenant, status: 'succeeded', lane: 'realtime' } });
    expect((mine.body as { result: unknown }).result).toEqual(published);
    expect(validateMessage(InferenceResultV1, (mine.body as { result: unknown }).result).ok).toBe(true);

    const theirs = await apiClient(ingestion.baseUrl, other.key).get('/v1/requests/done-1');
    expect(theirs).toMatchObject({ status: 404, body: { error: { code: 'NOT_FOUND', message: 'request done-1 not found' } } });
  });

  it('counts accepted requests by source and refusals by code', async () => {
    const { key } = await tenantWithKey(ingestion.ledger);
    const client = apiClient(ingestion.baseUrl, key);
    await client.post('/v1/requests', request({ id: 'counted-1' }));
    await client.post('/v1/requests', request({ id: 'counted-1', body: { model: 'gpt-4o', messages: [] } }));
    await client.post('/v1/requests', request({ body: { model: 'm', input: 'y'.repeat(SINGLE_LIMIT) } }));

    const metrics = String((await apiClient(ingestion.baseUrl).get('/metrics')).body);
    expect(metrics).toMatch(/^sluice_requests_accepted_total\{[^}]*source="http"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^sluice_requests_rejected_total\{[^}]*code="DUPLICATE_ID_CONFLICT"[^}]*\} [1-9]/m);
    expect(metrics).toMatch(/^sluice_requests_rejected_total\{[^}]*code="PAYLOAD_TOO_LARGE"[^}]*\} [1-9]/m);
  });

  it('answers 429 with Retry-After to the request over a key’s limit, and only for that key', async () => {
    const busy = apiClient(ingestion.baseUrl, (await tenantWithKey(ingestion.ledger)).key);
    const other = apiClient(ingestion.baseUrl, (await tenantWithKey(ingestion.ledger)).key);
    // The limit is RATE_LIMIT requests a minute here, so however slow the machine, all of these fall in one window.
    const replies: HttpReply[] = [];
    for (let index = 0; index <= RATE_LIMIT; index++) replies.push(await busy.get(`/v1/requests/limit-${index}`));
    expect(replies.map((reply) => reply.status)).toEqual([...Array<number>(RATE_LIMIT).fill(404), 429]);
    const over = replies[RATE_LIMIT]!;
    expect(over.body).toEqual({
      error: { code: 'RATE_LIMITED', message: expect.stringMatching(/^this API key is over its limit of 20 requests per 60 s; retry after \d+ s$/) as unknown },
    });
    expect(Number(over.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect((await other.get('/v1/requests/limit-other')).status).toBe(404);
  });

  it('serves the OpenAPI document and Swagger UI', async () => {
    const client = apiClient(ingestion.baseUrl);
    const openapi = await client.get('/openapi.json');
    expect(openapi.status).toBe(200);
    const paths = Object.keys((openapi.body as { paths: Record<string, unknown> }).paths);
    expect(paths).toEqual(expect.arrayContaining(['/v1/requests', '/v1/requests/{id}', '/v1/requests/{id}/events']));
    const docs = await client.get('/docs');
    expect(docs.status).toBe(200);
    expect(String(docs.body)).toContain('swagger-ui');
    expect((await fetch(`${ingestion.baseUrl}/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });
});
