import { randomBytes } from 'node:crypto';
import { randomTenant } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { BatchesRepository, NewBatch } from './batches.repository';
import { BatchWindowsRepository, NewWindowItem, OpenWindowItem } from './batch-windows.repository';

function windowId(): string {
  return `w-${randomBytes(6).toString('hex')}`;
}

function batchOf(id: string): NewBatch {
  return { id, provider: 'openai', operation: 'embedding', model: 'text-embedding-3-small', bytes: 100, earliestDeadline: '2030-01-02T00:00:00Z' };
}

function itemsOf(window: string, tenant: string, from: number, count: number): NewWindowItem[] {
  return Array.from({ length: count }, (_, n) => {
    const i = from + n;
    return {
      windowId: window,
      provider: 'openai',
      operation: 'embedding',
      model: 'text-embedding-3-small',
      customId: `r-${i}`,
      tenant,
      requestId: `r-${i}`,
      attempt: 1,
      deadline: '2030-01-02T00:00:00Z',
      payload: { request: { id: `r-${i}` }, n: i },
      line: `{"custom_id":"r-${i}"}\n`,
    };
  });
}

describe('BatchWindowsRepository', () => {
  let db: TestDatabase;
  let windows: BatchWindowsRepository;
  let batches: BatchesRepository;

  const waiting = async (window: string): Promise<number> =>
    Number(
      (
        await db.pool.query<{ n: string }>(
          `select count(*) as n from batch_items i join batches b on b.id = i.batch_id where i.batch_id = $1 and b.status = 'open'`,
          [window],
        )
      ).rows[0]!.n,
    );

  beforeAll(async () => {
    db = await createTestDatabase();
    windows = new BatchWindowsRepository(db.pool);
    batches = new BatchesRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('turns a window of 20,000 items into its batch by closing it, keeping each lane message and line', async () => {
    const tenant = randomTenant();
    const id = windowId();
    for (let from = 0; from < 20_000; from += 1_000) await windows.add(itemsOf(id, tenant, from, 1_000));
    expect(await waiting(id)).toBe(20_000);
    expect(await batches.get(id)).toMatchObject({ id, status: 'open' });
    // A window still filling is no batch to resume, and its items are not the deadline guard's.
    expect((await batches.listUnresolved()).map((b) => b.id)).not.toContain(id);
    expect((await batches.pendingItemsDueBefore(new Date('2031-01-01T00:00:00Z'), 100_000)).filter((i) => i.batchId === id)).toEqual([]);

    expect(await windows.close(batchOf(id))).toEqual({ id, requestCount: 20_000 });
    expect(await waiting(id)).toBe(0);
    expect(await batches.get(id)).toMatchObject({ id, status: 'pending', requestCount: 20_000, bytes: 100 });
    const [first] = await batches.listItems(id, { limit: 1 });
    expect(first).toMatchObject({ customId: 'r-0', tenant, requestId: 'r-0', attempt: 1, status: 'pending', payload: { request: { id: 'r-0' }, n: 0 } });
    expect(first!.deadline?.toISOString()).toBe('2030-01-02T00:00:00.000Z');
    const input = await batches.inputPages(id, 2).next();
    expect(input.value).toEqual([
      { customId: 'r-0', line: '{"custom_id":"r-0"}\n', payload: null },
      { customId: 'r-1', line: '{"custom_id":"r-1"}\n', payload: null },
    ]);
  });

  it('moves a redelivered lane message to the window that reads it now, so it is in one batch only', async () => {
    const tenant = randomTenant();
    const before = windowId();
    const after = windowId();
    await windows.add(itemsOf(before, tenant, 0, 3));
    // After a restart the same three come back, with two new ones, into a window of the new process.
    await windows.add(itemsOf(after, tenant, 0, 5));
    expect(await waiting(before)).toBe(0);
    expect(await windows.close(batchOf(before))).toBeUndefined();
    expect(await batches.get(before)).toBeUndefined();
    expect(await windows.close(batchOf(after))).toEqual({ id: after, requestCount: 5 });
  });

  it('leaves out what is already in a batch (redelivered after its batch was recorded) and records the rest', async () => {
    const tenant = randomTenant();
    const first = windowId();
    await windows.add(itemsOf(first, tenant, 0, 4));
    await windows.close(batchOf(first));

    const again = windowId();
    await windows.add(itemsOf(again, tenant, 2, 4));
    expect(await windows.close(batchOf(again))).toEqual({ id: again, requestCount: 2 });
    expect((await batches.listItems(again)).map((i) => i.requestId)).toEqual(['r-4', 'r-5']);
    expect(await waiting(again)).toBe(0);

    const only = windowId();
    await windows.add(itemsOf(only, tenant, 0, 2));
    expect(await windows.close(batchOf(only))).toBeUndefined();
    expect(await batches.get(only)).toBeUndefined();
    expect(await waiting(only)).toBe(0);
  });

  it('records nothing the second time a window is closed', async () => {
    const tenant = randomTenant();
    const id = windowId();
    await windows.add(itemsOf(id, tenant, 0, 2));
    expect(await windows.close(batchOf(id))).toEqual({ id, requestCount: 2 });
    expect(await windows.close(batchOf(id))).toBeUndefined();
    expect(await batches.countItemsByStatus(id)).toEqual({ pending: 2 });
  });

  it('takes requests out of their window with their lane messages, but not from a window that took them over', async () => {
    const tenant = randomTenant();
    const id = windowId();
    const other = windowId();
    await windows.add(itemsOf(id, tenant, 0, 3));
    await windows.add(itemsOf(other, tenant, 2, 1));
    const keys = [0, 1, 2].map((i) => ({ windowId: id, tenant, requestId: `r-${i}`, attempt: 1 }));
    const taken: unknown[] = [];
    expect(await windows.take(keys, async (payloads) => void taken.push(...payloads))).toBe(2);
    expect(taken).toEqual(
      expect.arrayContaining([
        { request: { id: 'r-0' }, n: 0 },
        { request: { id: 'r-1' }, n: 1 },
      ]),
    );
    expect(taken).toHaveLength(2);
    expect(await waiting(id)).toBe(0);
    expect(await waiting(other)).toBe(1);
  });

  it('leaves the requests in their window when what was to be done with them fails', async () => {
    const tenant = randomTenant();
    const id = windowId();
    await windows.add(itemsOf(id, tenant, 0, 2));
    const keys = [0, 1].map((i) => ({ windowId: id, tenant, requestId: `r-${i}`, attempt: 1 }));
    await expect(windows.take(keys, async () => Promise.reject(new Error('the escalation could not be published')))).rejects.toThrow('could not be published');
    expect(await waiting(id)).toBe(2);
  });

  it('gives back every waiting item a page at a time, the items of a window together, with what rebuilding it needs', async () => {
    const tenant = randomTenant();
    const [a, b] = [windowId(), windowId()].sort() as [string, string];
    await windows.add(itemsOf(a, tenant, 0, 5));
    await windows.add(itemsOf(b, tenant, 5, 3));
    const mine: OpenWindowItem[] = [];
    for await (const page of windows.openItems(2)) {
      expect(page.length).toBeLessThanOrEqual(2);
      mine.push(...page.filter((item) => item.tenant === tenant));
    }
    expect(mine.map((item) => item.windowId)).toEqual([a, a, a, a, a, b, b, b]);
    expect(new Set(mine.map((item) => item.requestId)).size).toBe(8);
    const first = mine.find((item) => item.requestId === 'r-0');
    expect(first).toMatchObject({ windowId: a, customId: 'r-0', tenant, requestId: 'r-0', attempt: 1, payload: { request: { id: 'r-0' }, n: 0 } });
    expect(first!.deadline?.toISOString()).toBe('2030-01-02T00:00:00.000Z');
    expect(first!.createdAt).toBeInstanceOf(Date);
  });
});
