import { randomTenant } from '@sluice/testing';
import { cacheContentHash } from '../hashing/ledger.hashing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { CacheRepository, NewCacheEntry } from './cache.repository';
import { CoalescingKey, CoalescingRepository } from './coalescing.repository';
import { requestKey, RequestsRepository } from './requests.repository';
import { NewWebhookDelivery, WebhookDeliveriesRepository } from './webhook-deliveries.repository';

/** The multi-row reads and writes the result notifier books a batch with. */
describe('bulk ledger reads and writes of the result notifier', () => {
  let db: TestDatabase;
  const now = new Date('2030-01-01T00:00:00Z');
  const minute = 60_000;

  beforeAll(async () => {
    db = await createTestDatabase();
  });

  afterAll(async () => {
    await db.drop();
  });

  function key(tenant: string, input: string): CoalescingKey {
    return { scope: tenant, contentHash: cacheContentHash('openai', 'embedding', { model: 'm', input }) };
  }

  it('RequestsRepository.getMany reads known requests by key, once per key, and leaves unknown ones out', async () => {
    const requests = new RequestsRepository(db.pool);
    const tenant = randomTenant();
    const other = randomTenant();
    const row = (t: string, id: string) => ({
      tenant: t,
      id,
      bodyHash: 'f'.repeat(64),
      provider: 'openai' as const,
      operation: 'chat' as const,
      model: 'gpt-4o-mini',
      mode: 'auto' as const,
      receivedAt: now,
      replyTo: 'replies',
    });
    await requests.insertMany([row(tenant, 'a'), row(tenant, 'b'), row(other, 'a')]);

    const found = await requests.getMany([
      { tenant, id: 'a' },
      { tenant, id: 'a' },
      { tenant, id: 'missing' },
      { tenant: other, id: 'a' },
    ]);

    expect([...found.keys()].sort()).toEqual([requestKey(tenant, 'a'), requestKey(other, 'a')].sort());
    expect(found.get(requestKey(tenant, 'a'))).toMatchObject({ tenant, id: 'a', replyTo: 'replies', status: 'accepted' });
    expect(await requests.getMany([])).toEqual(new Map());
  });

  it('CacheRepository.putMany stores many answers in one go; the last of one content wins, and it refreshes older ones', async () => {
    const cache = new CacheRepository(db.pool);
    const tenant = randomTenant();
    const entry = (input: string, source: string): NewCacheEntry => ({
      tenant,
      contentHash: key(tenant, input).contentHash,
      provider: 'openai',
      model: 'm',
      result: { from: source },
      sourceRequestId: source,
      expiresAt: new Date(now.getTime() + minute),
    });
    await cache.put(entry('x', 'old'));

    await cache.putMany([entry('x', 'r1'), entry('y', 'r2'), entry('x', 'r3')]);

    expect(await cache.hit(tenant, key(tenant, 'x').contentHash, now)).toMatchObject({ sourceRequestId: 'r3', result: { from: 'r3' }, hits: 1 });
    expect(await cache.hit(tenant, key(tenant, 'y').contentHash, now)).toMatchObject({ sourceRequestId: 'r2' });
  });

  it('CoalescingRepository.releaseMany ends the flights of current leaders only, with their followers, in one go', async () => {
    const coalescing = new CoalescingRepository(db.pool);
    const tenant = randomTenant();
    const [k1, k2, k3] = [key(tenant, 'one'), key(tenant, 'two'), key(tenant, 'three')];
    await coalescing.claimOrJoin(k1, { tenant, requestId: 'l1' }, minute, now);
    await coalescing.claimOrJoin(k1, { tenant, requestId: 'f1a' }, minute, now);
    await coalescing.claimOrJoin(k1, { tenant, requestId: 'f1b' }, minute, now);
    await coalescing.claimOrJoin(k2, { tenant, requestId: 'l2' }, minute, now);
    await coalescing.claimOrJoin(k3, { tenant, requestId: 'l3' }, minute, now);
    await coalescing.claimOrJoin(k3, { tenant, requestId: 'f3' }, minute, now);
    let answered: string[] = [];

    const released = await coalescing.releaseMany(
      [
        { key: k1, leader: { tenant, requestId: 'l1' } },
        { key: k2, leader: { tenant, requestId: 'l2' } },
        // A replaced leader finishing late releases nothing.
        { key: k3, leader: { tenant, requestId: 'not-the-leader' } },
      ],
      async (flights) => {
        answered = flights.flatMap((flight) => flight.followers.map((ref) => ref.requestId));
      },
    );

    const byLeader = new Map(released.map((flight) => [flight.leader.requestId, flight.followers.map((ref) => ref.requestId).sort()]));
    expect(byLeader).toEqual(
      new Map([
        ['l1', ['f1a', 'f1b']],
        ['l2', []],
      ]),
    );
    expect(answered.sort()).toEqual(['f1a', 'f1b']);
    expect(await coalescing.claimOrJoin(k1, { tenant, requestId: 'next' }, minute, now)).toEqual({ role: 'leader' });
    expect(await coalescing.claimOrJoin(k3, { tenant, requestId: 'f3b' }, minute, now)).toEqual({ role: 'follower', leader: { tenant, requestId: 'l3' } });
  });

  it('CoalescingRepository.releaseMany keeps the followers waiting when answering them fails', async () => {
    const coalescing = new CoalescingRepository(db.pool);
    const tenant = randomTenant();
    const k = key(tenant, 'fails');
    await coalescing.claimOrJoin(k, { tenant, requestId: 'l' }, minute, now);
    await coalescing.claimOrJoin(k, { tenant, requestId: 'f' }, minute, now);
    const end = { key: k, leader: { tenant, requestId: 'l' } };

    await expect(
      coalescing.releaseMany([end], async () => {
        throw new Error('broker unavailable');
      }),
    ).rejects.toThrow('broker unavailable');

    const released = await coalescing.releaseMany([end]);
    expect(released).toEqual([{ ...end, followers: [{ tenant, requestId: 'f' }] }]);
  });

  it('WebhookDeliveriesRepository.enqueueMany queues each event once and says which it queued', async () => {
    const deliveries = new WebhookDeliveriesRepository(db.pool);
    const tenant = randomTenant();
    const delivery = (eventId: string): NewWebhookDelivery => ({
      eventId,
      tenant,
      requestId: eventId,
      url: 'https://hooks.example.com/x',
      payload: { id: eventId },
    });
    await deliveries.enqueue(delivery(`${tenant}-old`));

    const queued = await deliveries.enqueueMany([delivery(`${tenant}-a`), delivery(`${tenant}-old`), delivery(`${tenant}-b`), delivery(`${tenant}-a`)]);

    expect([...queued].sort()).toEqual([`${tenant}-a`, `${tenant}-b`]);
    expect(await deliveries.get(`${tenant}-b`)).toMatchObject({ status: 'pending', payload: { id: `${tenant}-b` }, attempts: 0 });
    expect(await deliveries.enqueueMany([])).toEqual(new Set());
  });
});
