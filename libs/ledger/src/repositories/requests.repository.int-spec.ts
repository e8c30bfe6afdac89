import { AcceptedRequestV1, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest } from '@sluice/contracts/testing/message.samples';
import { randomTenant } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { requestRecordFromAccepted, RequestsRepository } from './requests.repository';

function accepted(overrides: Record<string, unknown> = {}, tenant = 'acme'): AcceptedRequestV1 {
  const request = sampleRequest({ tenant, ...overrides });
  const outcome = validateMessage(AcceptedRequestV1, sampleAccepted({ request, deadline: request.deadline }));
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

describe('RequestsRepository', () => {
  let db: TestDatabase;
  let requests: RequestsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    requests = new RequestsRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('records a request and reads it back', async () => {
    const tenant = randomTenant();
    const { outcome, request } = await requests.insert(requestRecordFromAccepted(accepted({ id: 'r1' }, tenant)));
    expect(outcome).toBe('created');
    expect(request).toMatchObject({
      tenant,
      id: 'r1',
      provider: 'openai',
      operation: 'chat',
      model: 'gpt-4o-mini',
      mode: 'auto',
      status: 'accepted',
      lane: null,
      replyTo: 'acme.replies',
      webhookUrl: 'https://hooks.example.com/sluice',
      metadata: { job: 'nightly-digest', 'trace.parent': 'abc' },
    });
    expect(request.deadline?.toISOString()).toBe('2030-01-01T12:00:00.000Z');
    expect(await requests.get(tenant, 'r1')).toEqual(request);
  });

  it('treats the same id with the same content as a duplicate, in any key order', async () => {
    const tenant = randomTenant();
    await requests.insert(requestRecordFromAccepted(accepted({ id: 'r1' }, tenant)));
    const reordered = accepted({ id: 'r1', body: { temperature: 0, messages: [{ content: 'Hello', role: 'user' }], model: 'gpt-4o-mini' } }, tenant);
    const again = await requests.insert(requestRecordFromAccepted(reordered));
    expect(again.outcome).toBe('duplicate');
  });

  it('reports a conflict when the id is reused for different content, keeping the original', async () => {
    const tenant = randomTenant();
    const first = await requests.insert(requestRecordFromAccepted(accepted({ id: 'r1' }, tenant)));
    const other = await requests.insert(requestRecordFromAccepted(accepted({ id: 'r1', body: { model: 'gpt-4o' } }, tenant)));
    expect(other.outcome).toBe('conflict');
    expect(other.request.bodyHash).toBe(first.request.bodyHash);
    expect(other.request.model).toBe('gpt-4o-mini');
  });

  it('scopes ids per tenant', async () => {
    const [a, b] = [randomTenant(), randomTenant()];
    expect((await requests.insert(requestRecordFromAccepted(accepted({ id: 'same' }, a)))).outcome).toBe('created');
    expect((await requests.insert(requestRecordFromAccepted(accepted({ id: 'same', body: { model: 'x' } }, b)))).outcome).toBe('created');
  });

  it('creates exactly one row when the same request arrives concurrently', async () => {
    const tenant = randomTenant();
    const record = requestRecordFromAccepted(accepted({ id: 'race' }, tenant));
    const outcomes = await Promise.all(Array.from({ length: 12 }, () => requests.insert(record)));
    expect(outcomes.filter((o) => o.outcome === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o.outcome === 'duplicate')).toHaveLength(11);
  });

  it('records many in one call: created, duplicate and conflict in input order, with their job lines', async () => {
    const tenant = randomTenant();
    await requests.insert(requestRecordFromAccepted(accepted({ id: 'old-same' }, tenant)));
    await requests.insert(requestRecordFromAccepted(accepted({ id: 'old-other' }, tenant)));
    const record = (id: string, line: number, overrides: Record<string, unknown> = {}) => ({
      ...requestRecordFromAccepted(accepted({ id, ...overrides }, tenant)),
      job: { id: 'job-1', line },
    });
    const outcomes = await requests.insertMany([
      record('z-new', 1),
      record('old-same', 2),
      record('old-other', 3, { body: { model: 'gpt-4o' } }),
      record('a-new', 4, { metadata: { quote: 'say "hi", {x}' } }),
      record('twice', 5),
      record('twice', 6),
      record('twice', 7, { body: { model: 'gpt-4o' } }),
    ]);

    expect(outcomes.map((o) => `${o.request.id}:${o.outcome}`)).toEqual([
      'z-new:created',
      'old-same:duplicate',
      'old-other:conflict',
      'a-new:created',
      'twice:created',
      'twice:duplicate',
      'twice:conflict',
    ]);
    expect(outcomes[0].request).toMatchObject({ job: { id: 'job-1', line: 1 }, status: 'accepted', model: 'gpt-4o-mini' });
    expect(outcomes[1].request.job).toBeUndefined();
    expect(outcomes[5].request.job).toEqual({ id: 'job-1', line: 5 });
    expect(await requests.get(tenant, 'a-new')).toMatchObject({ metadata: { quote: 'say "hi", {x}' }, job: { id: 'job-1', line: 4 } });
    expect(await requests.get(tenant, 'old-same')).not.toHaveProperty('job');
  });

  it('records more rows than one statement carries, and concurrent overlapping calls without deadlock', async () => {
    const tenant = randomTenant();
    // Without deadlines: these must not crowd the deadline scan of the test below.
    const records = Array.from({ length: 2_500 }, (_, index) =>
      requestRecordFromAccepted(accepted({ id: `bulk-${index}`, deadline: undefined, notBefore: undefined }, tenant)),
    );
    const [forward, backward] = await Promise.all([requests.insertMany(records), requests.insertMany([...records].reverse())]);

    const created = [...forward, ...backward].filter((o) => o.outcome === 'created').map((o) => o.request.id);
    expect(created.sort()).toEqual(records.map((r) => r.id).sort());
    expect([...forward, ...backward].every((o) => o.outcome !== 'conflict')).toBe(true);
    const { rows } = await db.pool.query('select count(*)::int as n from requests where tenant = $1', [tenant]);
    expect(rows[0].n).toBe(2_500);
  });

  it('records routing and later steps, but never reopens a finished request', async () => {
    const tenant = randomTenant();
    await requests.insert(requestRecordFromAccepted(accepted({ id: 'r1' }, tenant)));
    const routed = await requests.recordRouting(
      tenant,
      'r1',
      { lane: 'batch', reason: 'slack', estimatedCostUsd: 0.5, realtimeCostUsd: 1, routedAt: '2029-12-31T12:00:01Z' },
      'batched',
    );
    expect(routed).toBe(true);
    expect(await requests.get(tenant, 'r1')).toMatchObject({
      status: 'batched',
      lane: 'batch',
      decisionReason: 'slack',
      estimatedCostUsd: 0.5,
      realtimeCostUsd: 1,
    });
    expect(await requests.setStatus(tenant, 'r1', 'submitted')).toBe(true);

    await db.pool.query("update requests set status = 'succeeded' where tenant = $1 and id = 'r1'", [tenant]);
    expect(await requests.setStatus(tenant, 'r1', 'escalated', 'realtime')).toBe(false);
    expect((await requests.get(tenant, 'r1'))?.status).toBe('succeeded');
  });

  it('moves many requests to a step at once, leaving finished ones alone', async () => {
    const tenant = randomTenant();
    for (const id of ['m1', 'm2', 'm3']) await requests.insert(requestRecordFromAccepted(accepted({ id }, tenant)));
    await db.pool.query("update requests set status = 'succeeded' where tenant = $1 and id = 'm3'", [tenant]);
    const refs = ['m1', 'm2', 'm3', 'unknown'].map((id) => ({ tenant, id }));
    expect(await requests.setStatuses(refs, 'submitted', 'batch')).toBe(2);
    expect(await requests.get(tenant, 'm1')).toMatchObject({ status: 'submitted', lane: 'batch' });
    expect((await requests.get(tenant, 'm3'))?.status).toBe('succeeded');
  });

  it('lists open requests whose deadline is near, earliest first', async () => {
    const tenant = randomTenant();
    await requests.insert(requestRecordFromAccepted(accepted({ id: 'late', deadline: '2031-06-01T00:00:00Z', notBefore: undefined }, tenant)));
    await requests.insert(requestRecordFromAccepted(accepted({ id: 'soon', deadline: '2031-01-01T00:00:00Z', notBefore: undefined }, tenant)));
    const due = (await requests.openWithDeadlineBefore(new Date('2031-12-31T00:00:00Z'))).filter((r) => r.tenant === tenant);
    expect(due.map((r) => r.id)).toEqual(['soon', 'late']);
  });
});
