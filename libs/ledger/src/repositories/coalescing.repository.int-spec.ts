import { randomTenant } from '@sluice/testing';
import { cacheContentHash } from '../hashing/ledger.hashing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { CacheRepository } from './cache.repository';
import { CoalescingRepository } from './coalescing.repository';

describe('CoalescingRepository', () => {
  let db: TestDatabase;
  let coalescing: CoalescingRepository;
  let cache: CacheRepository;
  const now = new Date('2030-01-01T00:00:00Z');
  const minute = 60_000;

  beforeAll(async () => {
    db = await createTestDatabase();
    coalescing = new CoalescingRepository(db.pool);
    cache = new CacheRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  function key(tenant: string, input: string) {
    return { scope: tenant, contentHash: cacheContentHash('openai', 'embedding', { model: 'm', input }) };
  }

  it('makes one leader among many identical concurrent requests; the rest follow it', async () => {
    const tenant = randomTenant();
    const k = key(tenant, 'same');
    const outcomes = await Promise.all(Array.from({ length: 12 }, (_, i) => coalescing.claimOrJoin(k, { tenant, requestId: `r${i}` }, minute, now)));
    const leaders = outcomes.filter((o) => o.role === 'leader');
    expect(leaders).toHaveLength(1);
    const leaderIndex = outcomes.findIndex((o) => o.role === 'leader');
    for (const outcome of outcomes.filter((o) => o.role !== 'leader')) {
      expect(outcome).toEqual({ role: 'follower', leader: { tenant, requestId: `r${leaderIndex}` } });
    }
    const followers = await coalescing.release(k, { tenant, requestId: `r${leaderIndex}` });
    expect(followers.map((f) => f.requestId).sort()).toEqual(
      Array.from({ length: 12 }, (_, i) => `r${i}`)
        .filter((id) => id !== `r${leaderIndex}`)
        .sort(),
    );
  });

  it('answers from the cache once the leader is released, and a redelivered leader stays leader', async () => {
    const tenant = randomTenant();
    const k = key(tenant, 'cached');
    expect(await coalescing.claimOrJoin(k, { tenant, requestId: 'a' }, minute, now)).toEqual({ role: 'leader' });
    expect(await coalescing.claimOrJoin(k, { tenant, requestId: 'a' }, minute, now)).toEqual({ role: 'leader' });
    await cache.put({
      tenant,
      contentHash: k.contentHash,
      provider: 'openai',
      model: 'm',
      result: { answer: 42 },
      sourceRequestId: 'a',
      expiresAt: '2030-01-02T00:00:00Z',
    });
    expect(await coalescing.release(k, { tenant, requestId: 'a' })).toEqual([]);
    expect(await coalescing.claimOrJoin(k, { tenant, requestId: 'b' }, minute, now)).toEqual({ role: 'cached', result: { answer: 42 }, sourceRequestId: 'a' });
  });

  it('keeps tenants apart unless they share a scope', async () => {
    const [one, two] = [randomTenant(), randomTenant()];
    expect(await coalescing.claimOrJoin(key(one, 'x'), { tenant: one, requestId: 'r' }, minute, now)).toEqual({ role: 'leader' });
    expect(await coalescing.claimOrJoin(key(two, 'x'), { tenant: two, requestId: 'r' }, minute, now)).toEqual({ role: 'leader' });
    const shared = { scope: '*', contentHash: key(one, 'shared').contentHash };
    expect(await coalescing.claimOrJoin(shared, { tenant: one, requestId: 's' }, minute, now)).toEqual({ role: 'leader' });
    expect(await coalescing.claimOrJoin(shared, { tenant: two, requestId: 's' }, minute, now)).toEqual({
      role: 'follower',
      leader: { tenant: one, requestId: 's' },
    });
  });

  it('replaces a stale leader, and the stale one then releases nothing', async () => {
    const tenant = randomTenant();
    const k = key(tenant, 'stale');
    await coalescing.claimOrJoin(k, { tenant, requestId: 'old' }, minute, now);
    const later = new Date(now.getTime() + 2 * minute);
    expect(await coalescing.claimOrJoin(k, { tenant, requestId: 'new' }, minute, later)).toEqual({ role: 'leader' });
    expect(await coalescing.claimOrJoin(k, { tenant, requestId: 'f' }, minute, later)).toEqual({ role: 'follower', leader: { tenant, requestId: 'new' } });
    expect(await coalescing.release(k, { tenant, requestId: 'old' })).toEqual([]);
    expect(await coalescing.release(k, { tenant, requestId: 'new' })).toEqual([{ tenant, requestId: 'f' }]);
  });
});
