import { randomTenant } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { FacadeBatchesRepository, NewFacadeBatch } from './facade-batches.repository';

describe('FacadeBatchesRepository', () => {
  let db: TestDatabase;
  let store: FacadeBatchesRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    store = new FacadeBatchesRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  async function collect(parts: AsyncIterable<Buffer>): Promise<Buffer> {
    const all: Buffer[] = [];
    for await (const part of parts) all.push(part);
    return Buffer.concat(all);
  }

  it('stores a file in parts as it arrives and reads it back in order, for its tenant only', async () => {
    const tenant = randomTenant('files');
    await store.createFile({ tenant, id: 'file-1', filename: 'in.jsonl', createdAt: new Date('2030-01-01T00:00:00Z') });
    expect(await store.file(tenant, 'file-1')).toMatchObject({ complete: false, bytes: 0, purpose: '' });

    await store.appendPart(tenant, 'file-1', 0, Buffer.from('{"a":1}\n'));
    await store.appendPart(tenant, 'file-1', 1, Buffer.from('{"b":2}\n'));
    const file = await store.completeFile(tenant, 'file-1', 'batch');

    expect(file).toMatchObject({ id: 'file-1', purpose: 'batch', filename: 'in.jsonl', bytes: 16, complete: true });
    expect((await collect(store.fileParts(tenant, 'file-1'))).toString()).toBe('{"a":1}\n{"b":2}\n');
    expect(await store.file(randomTenant('other'), 'file-1')).toBeUndefined();
    expect(await collect(store.fileParts(randomTenant('other'), 'file-1'))).toHaveLength(0);
  });

  it('lists batches newest first, a page after a given batch, and cancels once', async () => {
    const tenant = randomTenant('batches');
    const batch = (id: string, minute: number): NewFacadeBatch => ({
      tenant,
      id,
      endpoint: '/v1/embeddings',
      inputFileId: 'file-x',
      completionWindow: '24h',
      metadata: null,
      deadline: new Date('2030-01-02T00:00:00Z'),
      createdAt: new Date(Date.UTC(2030, 0, 1, 0, minute)),
    });
    for (const [id, minute] of [
      ['batch_a', 1],
      ['batch_b', 2],
      ['batch_c', 3],
    ] as const)
      await store.createBatch(batch(id, minute));

    expect((await store.batches(tenant, ['/v1/embeddings'], undefined, 2)).map((found) => found.id)).toEqual(['batch_c', 'batch_b']);
    expect((await store.batches(tenant, ['/v1/embeddings'], 'batch_b', 10)).map((found) => found.id)).toEqual(['batch_a']);
    expect(await store.batches(randomTenant('nobody'), ['/v1/embeddings'], undefined, 10)).toEqual([]);
    expect(await store.batches(tenant, ['/v1/messages'], undefined, 10)).toEqual([]);

    const first = await store.cancelBatch(tenant, 'batch_b', new Date('2030-01-01T01:00:00Z'));
    const again = await store.cancelBatch(tenant, 'batch_b', new Date('2030-01-01T02:00:00Z'));
    expect(first?.cancelledAt).toEqual(new Date('2030-01-01T01:00:00Z'));
    expect(again?.cancelledAt).toEqual(first?.cancelledAt);
    expect(await store.cancelBatch(tenant, 'batch_missing', new Date())).toBeUndefined();

    await store.failBatch(tenant, 'batch_a', [{ code: 'empty_file', message: 'no requests', line: null, param: null }]);
    expect((await store.batch(tenant, 'batch_a'))?.errors).toEqual([{ code: 'empty_file', message: 'no requests', line: null, param: null }]);
  });
});
