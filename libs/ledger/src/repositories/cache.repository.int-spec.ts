import { randomTenant } from '@sluice/testing';
import { cacheContentHash } from '../hashing/ledger.hashing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { CacheRepository } from './cache.repository';

describe('CacheRepository', () => {
  let db: TestDatabase;
  let cache: CacheRepository;
  const now = new Date('2030-01-01T00:00:00Z');
  const hash = cacheContentHash('openai', 'embedding', { model: 'text-embedding-3-small', input: 'hello' });

  beforeAll(async () => {
    db = await createTestDatabase();
    cache = new CacheRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  it('serves a live entry to its own tenant only and counts hits', async () => {
    const [tenant, other] = [randomTenant(), randomTenant()];
    await cache.put({
      tenant,
      contentHash: hash,
      provider: 'openai',
      model: 'text-embedding-3-small',
      result: { data: [1] },
      sourceRequestId: 'r1',
      expiresAt: '2030-01-02T00:00:00Z',
    });
    expect(await cache.hit(tenant, hash, now)).toMatchObject({ result: { data: [1] }, sourceRequestId: 'r1', hits: 1 });
    expect((await cache.hit(tenant, hash, now))?.hits).toBe(2);
    expect(await cache.hit(other, hash, now)).toBeUndefined();
  });

  it('misses on expired entries, refreshes on put, and sweeps the expired', async () => {
    const tenant = randomTenant();
    await cache.put({ tenant, contentHash: hash, provider: 'openai', model: 'm', result: { v: 1 }, sourceRequestId: 'r1', expiresAt: '2029-12-31T00:00:00Z' });
    expect(await cache.hit(tenant, hash, now)).toBeUndefined();
    await cache.put({ tenant, contentHash: hash, provider: 'openai', model: 'm', result: { v: 2 }, sourceRequestId: 'r2', expiresAt: '2030-01-02T00:00:00Z' });
    expect(await cache.hit(tenant, hash, now)).toMatchObject({ result: { v: 2 }, sourceRequestId: 'r2', hits: 1 });

    const stale = randomTenant();
    await cache.put({ tenant: stale, contentHash: hash, provider: 'openai', model: 'm', result: {}, sourceRequestId: 'r', expiresAt: '2029-01-01T00:00:00Z' });
    expect(await cache.deleteExpired(now)).toBeGreaterThanOrEqual(1);
    const { rows } = await db.pool.query('select count(*)::int as n from cache_entries where tenant = $1', [stale]);
    expect(rows[0].n).toBe(0);
  });
});
