import { randomBytes } from 'node:crypto';
import { randomTenant } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { BatchesRepository, NewBatch, NewBatchItem } from './batches.repository';

function batchId(): string {
  return `b-${randomBytes(6).toString('hex')}`;
}

function newBatch(id: string): NewBatch {
  return { id, provider: 'openai', operation: 'embedding', model: 'text-embedding-3-small', bytes: 1234, earliestDeadline: '2030-01-02T00:00:00Z' };
}

function items(tenant: string, count: number, deadline: string | null = null): NewBatchItem[] {
  return Array.from({ length: count }, (_, i) => ({
    customId: `c-${String(i).padStart(6, '0')}`,
    tenant,
    requestId: `r-${i}`,
    deadline,
    payload: { request: { id: `r-${i}` }, n: i },
  }));
}

describe('BatchesRepository', () => {
  let db: TestDatabase;
  let batches: BatchesRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    batches = new BatchesRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('records a batch of 10,000 items in one transaction', async () => {
    const tenant = randomTenant();
    const id = batchId();
    expect((await batches.create(newBatch(id), items(tenant, 10_000)))?.requestCount).toBe(10_000);
    expect(await batches.get(id)).toMatchObject({ id, status: 'pending', requestCount: 10_000, bytes: 1234, providerBatchId: null });
    expect(await batches.countItemsByStatus(id)).toEqual({ pending: 10_000 });
    const page = await batches.listItems(id, { afterCustomId: 'c-009997' });
    expect(page.map((i) => [i.customId, i.requestId, i.tenant])).toEqual([
      ['c-009998', 'r-9998', tenant],
      ['c-009999', 'r-9999', tenant],
    ]);
  });

  it('records nothing when a batch id is reused, and nothing at all when an item is invalid', async () => {
    const tenant = randomTenant();
    const id = batchId();
    await batches.create(newBatch(id), items(tenant, 3));
    expect(await batches.create(newBatch(id), items(tenant, 5))).toBeUndefined();
    expect(await batches.countItemsByStatus(id)).toEqual({ pending: 3 });

    const broken = batchId();
    const duplicateCustomIds = [...items(randomTenant(), 6_000), { customId: 'c-000001', tenant, requestId: 'again' }];
    await expect(batches.create(newBatch(broken), duplicateCustomIds)).rejects.toThrow(/duplicate key/);
    expect(await batches.get(broken)).toBeUndefined();
    expect(await batches.countItemsByStatus(broken)).toEqual({});
  });

  it('moves a batch through submission and polling, and keeps terminal batches terminal', async () => {
    const id = batchId();
    await batches.create(newBatch(id), items(randomTenant(), 2));
    expect(await batches.markSubmitted(id, `batch_${id}`, 'file-1')).toBe(true);
    expect(await batches.markSubmitted(id, 'batch_other')).toBe(false);
    expect(await batches.getByProviderBatchId(`batch_${id}`)).toMatchObject({ id, status: 'submitted', inputFileId: 'file-1' });
    expect((await batches.listOpen()).map((b) => b.id)).toContain(id);

    expect(await batches.recordProgress(id, { status: 'in_progress', succeededCount: 1 })).toBe(true);
    expect(await batches.recordProgress(id, { status: 'completed', succeededCount: 2, outputFileId: 'file-out' })).toBe(true);
    const done = await batches.get(id);
    expect(done).toMatchObject({ status: 'completed', succeededCount: 2, outputFileId: 'file-out' });
    expect(done?.completedAt).toBeInstanceOf(Date);
    expect(await batches.recordProgress(id, { status: 'in_progress' })).toBe(false);
    expect((await batches.listOpen()).map((b) => b.id)).not.toContain(id);
  });

  it('records item outcomes in bulk, once', async () => {
    const tenant = randomTenant();
    const id = batchId();
    await batches.create(newBatch(id), items(tenant, 10_000));
    const outcomes = Array.from({ length: 10_000 }, (_, i) => ({
      customId: `c-${String(i).padStart(6, '0')}`,
      status: i % 10 === 0 ? ('failed' as const) : ('succeeded' as const),
      resultId: `${tenant}.r-${i}.batch.1`,
      errorCode: i % 10 === 0 ? 'PROVIDER_ERROR' : null,
    }));
    expect(await batches.recordItemOutcomes(id, outcomes)).toBe(10_000);
    expect(await batches.countItemsByStatus(id)).toEqual({ succeeded: 9_000, failed: 1_000 });
    expect(await batches.recordItemOutcomes(id, outcomes.slice(0, 10))).toBe(0);
    const [first] = await batches.itemsByCustomId(id, ['c-000000']);
    expect(first).toMatchObject({ status: 'failed', errorCode: 'PROVIDER_ERROR', resultId: `${tenant}.r-0.batch.1` });
  });

  it('finds requests already waiting in an open batch, and items due for escalation', async () => {
    const tenant = randomTenant();
    const id = batchId();
    await batches.create(newBatch(id), items(tenant, 3, '2030-01-01T00:00:00Z'));
    await batches.recordItemOutcomes(id, [{ customId: 'c-000000', status: 'escalated' }]);
    expect([...(await batches.pendingRequestIds(tenant, ['r-0', 'r-1', 'r-9']))]).toEqual(['r-1']);

    const due = (await batches.pendingItemsDueBefore(new Date('2030-01-01T00:00:01Z'))).filter((i) => i.batchId === id);
    expect(due.map((i) => i.requestId).sort()).toEqual(['r-1', 'r-2']);
    expect(await batches.pendingItemsDueBefore(new Date('2029-12-31T23:59:59Z'))).not.toEqual(
      expect.arrayContaining([expect.objectContaining({ batchId: id })]),
    );
  });

  it('leaves out lane messages already in a batch, so a redelivered window submits only what is new', async () => {
    const tenant = randomTenant();
    const first = batchId();
    await batches.create(newBatch(first), items(tenant, 3));
    const again = batchId();
    const redelivered = [...items(tenant, 3), { customId: 'c-new', tenant, requestId: 'r-new', payload: { n: 'new' } }];
    const recorded = await batches.create(newBatch(again), redelivered);
    expect(recorded).toMatchObject({ id: again, requestCount: 1 });
    expect([...recorded!.customIds]).toEqual(['c-new']);
    expect(await batches.get(again)).toMatchObject({ requestCount: 1 });

    // Nothing new at all: no batch.
    const empty = batchId();
    expect(await batches.create(newBatch(empty), items(tenant, 2))).toBeUndefined();
    expect(await batches.get(empty)).toBeUndefined();
  });

  it('keeps the lane message while an item is pending and clears it once the item is resolved', async () => {
    const tenant = randomTenant();
    const id = batchId();
    await batches.create(newBatch(id), items(tenant, 2));
    const [pending] = await batches.itemsByCustomId(id, ['c-000001']);
    expect(pending).toMatchObject({ status: 'pending', attempt: 1, payload: { request: { id: 'r-1' }, n: 1 } });
    await batches.recordItemOutcomes(id, [{ customId: 'c-000001', status: 'succeeded', resultId: 'res-1' }]);
    const [resolved] = await batches.itemsByCustomId(id, ['c-000001']);
    expect(resolved).toMatchObject({ status: 'succeeded', resultId: 'res-1', payload: null });
  });

  it('escalates pending items once, and gives an escalated item the id of its late batch result only', async () => {
    const tenant = randomTenant();
    const id = batchId();
    await batches.create(newBatch(id), items(tenant, 3));
    expect(await batches.escalateItems(id, ['c-000000', 'c-000001'])).toEqual(expect.arrayContaining(['c-000000', 'c-000001']));
    expect(await batches.escalateItems(id, ['c-000000'])).toEqual([]);
    expect(await batches.recordItemOutcomes(id, [{ customId: 'c-000000', status: 'succeeded', resultId: 'late-0' }])).toBe(1);
    expect(await batches.recordItemOutcomes(id, [{ customId: 'c-000000', status: 'succeeded', resultId: 'late-again' }])).toBe(0);
    const [escalated] = await batches.itemsByCustomId(id, ['c-000000']);
    expect(escalated).toMatchObject({ status: 'escalated', resultId: 'late-0' });
    expect(await batches.countItemsByStatus(id)).toEqual({ escalated: 2, pending: 1 });
  });

  it('moves what did not come back into a new batch with the next attempt, once', async () => {
    const tenant = randomTenant();
    const id = batchId();
    await batches.create(newBatch(id), items(tenant, 4));
    await batches.recordItemOutcomes(id, [{ customId: 'c-000000', status: 'succeeded', resultId: 'r0' }]);
    const retry = batchId();
    const missing = items(tenant, 4).map((item) => ({ ...item, attempt: 2 }));
    const moved = await batches.resubmit({ batchId: id, customIds: missing.map((i) => i.customId), status: 'expired' }, newBatch(retry), missing);
    expect(moved).toMatchObject({ id: retry, requestCount: 3 });
    expect(await batches.countItemsByStatus(id)).toEqual({ succeeded: 1, expired: 3 });
    const [again] = await batches.itemsByCustomId(retry, ['c-000002']);
    expect(again).toMatchObject({ status: 'pending', attempt: 2, payload: { n: 2 } });
    expect(await batches.resubmit({ batchId: id, customIds: missing.map((i) => i.customId), status: 'expired' }, newBatch(batchId()), missing)).toBeUndefined();
  });

  it('lists batches until they are resolved, ended or not', async () => {
    const id = batchId();
    await batches.create(newBatch(id), items(randomTenant(), 1));
    await batches.markSubmitStarted(id);
    expect((await batches.get(id))?.submitStartedAt).toBeInstanceOf(Date);
    await batches.markSubmitted(id, `batch_${id}`);
    await batches.recordProgress(id, { status: 'completed' });
    expect((await batches.listUnresolved()).map((b) => b.id)).toContain(id);
    await batches.markResolved(id);
    expect((await batches.listUnresolved()).map((b) => b.id)).not.toContain(id);
  });

  it('reads the items of a batch page by page, in custom id order, filtered by status', async () => {
    const id = batchId();
    await batches.create(newBatch(id), items(randomTenant(), 2_500));
    await batches.recordItemOutcomes(id, [{ customId: 'c-000000', status: 'succeeded', resultId: 'r0' }]);
    const sizes: number[] = [];
    const seen: string[] = [];
    for await (const page of batches.itemPages(id, { status: 'pending', pageSize: 1_000 })) {
      sizes.push(page.length);
      seen.push(...page.map((item) => item.customId));
    }
    expect(sizes).toEqual([1_000, 1_000, 499]);
    expect(seen[0]).toBe('c-000001');
    expect(seen).toEqual([...seen].sort());
  });

  it("reads a pending batch's input as the stored lines, and the lane message only of an item stored without one", async () => {
    const id = batchId();
    const withLines = items(randomTenant(), 3).map((item, i) => (i === 1 ? item : { ...item, line: `{"custom_id":"${item.customId}"}\n` }));
    await batches.create(newBatch(id), withLines);
    await batches.recordItemOutcomes(id, [{ customId: 'c-000002', status: 'succeeded', resultId: 'r2' }]);
    const pages: unknown[] = [];
    for await (const page of batches.inputPages(id, 1)) pages.push(page);
    expect(pages).toEqual([
      [{ customId: 'c-000000', line: '{"custom_id":"c-000000"}\n', payload: null }],
      [{ customId: 'c-000001', line: null, payload: { request: { id: 'r-1' }, n: 1 } }],
    ]);
  });

  it("reads the items' event subjects from their lane messages without reading the lane messages", async () => {
    const id = batchId();
    const tenant = randomTenant();
    await batches.create(newBatch(id), [
      {
        customId: 'a',
        tenant,
        requestId: 'r-a',
        payload: { request: { id: 'r-a', metadata: { team: 'search' } }, deadline: '2030-01-03T00:00:00Z', routing: { deadline: '2030-01-02T00:00:00+02:00' } },
      },
      { customId: 'b', tenant, requestId: 'r-b', payload: { request: { id: 'r-b' }, deadline: '2030-01-03T00:00:00Z', routing: {} } },
      { customId: 'c', tenant, requestId: 'r-c', payload: { request: { id: 'r-c' }, routing: {} } },
    ]);
    const subjects: unknown[] = [];
    for await (const page of batches.subjectPages(id, { status: 'pending', pageSize: 2 })) subjects.push(...page);
    expect(subjects).toEqual([
      { customId: 'a', tenant, requestId: 'r-a', deadline: '2030-01-02T00:00:00+02:00', metadata: { team: 'search' } },
      { customId: 'b', tenant, requestId: 'r-b', deadline: '2030-01-03T00:00:00Z', metadata: null },
      { customId: 'c', tenant, requestId: 'r-c', deadline: null, metadata: null },
    ]);
  });
});
