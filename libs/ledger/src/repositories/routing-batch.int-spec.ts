import { AcceptedRequestV1, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest } from '@sluice/contracts/testing/message.samples';
import { randomTenant } from '@sluice/testing';
import { cacheContentHash } from '../hashing/ledger.hashing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { CacheRepository } from './cache.repository';
import { CoalescingRepository, type CoalescingKey } from './coalescing.repository';
import { requestRecordFromAccepted, RequestsRepository, type RoutingUpdate } from './requests.repository';
import { ScheduledLaneMessagesRepository } from './scheduled-lane-messages.repository';

const NOW = new Date('2030-01-01T00:00:00Z');
const MINUTE = 60_000;

function accepted(id: string, tenant: string): AcceptedRequestV1 {
  const request = sampleRequest({ tenant, id });
  const outcome = validateMessage(AcceptedRequestV1, sampleAccepted({ request, deadline: request.deadline }));
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

function routed(tenant: string, id: string, overrides: Partial<RoutingUpdate> = {}): RoutingUpdate {
  return {
    tenant,
    id,
    status: 'routed',
    routing: {
      lane: 'batch',
      reason: 'slack-allows-batch',
      estimatedCostUsd: 0.001,
      realtimeCostUsd: 0.002,
      routedAt: NOW,
      deadline: new Date('2030-01-02T00:00:00Z'),
    },
    ...overrides,
  };
}

describe('routing a batch in the ledger', () => {
  let db: TestDatabase;
  let requests: RequestsRepository;
  let holds: ScheduledLaneMessagesRepository;
  let coalescing: CoalescingRepository;
  let cache: CacheRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    requests = new RequestsRepository(db.pool);
    holds = new ScheduledLaneMessagesRepository(db.pool);
    coalescing = new CoalescingRepository(db.pool);
    cache = new CacheRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  async function insert(tenant: string, ...ids: string[]): Promise<void> {
    await requests.insertMany(ids.map((id) => requestRecordFromAccepted(accepted(id, tenant))));
  }

  describe('RequestsRepository.getMany', () => {
    it('reads the requests it holds among the keys, in one statement, whatever their order and repeats', async () => {
      const tenant = randomTenant();
      await insert(tenant, 'a', 'b');
      const found = await requests.getMany([
        { tenant, id: 'b' },
        { tenant, id: 'missing' },
        { tenant: randomTenant(), id: 'a' },
        { tenant, id: 'a' },
      ]);
      const records = [...found.values()];
      expect(records.map((r) => r.id).sort()).toEqual(['a', 'b']);
      expect(records.every((r) => r.tenant === tenant && r.status === 'accepted')).toBe(true);
      expect(await requests.getMany([])).toEqual(new Map());
    });
  });

  describe('RequestsRepository.routeMany', () => {
    it('records every routing of a batch and the holds of the applied ones; a finished request keeps its state and gets no hold', async () => {
      const tenant = randomTenant();
      await insert(tenant, 'lane', 'held', 'done');
      await requests.setStatus(tenant, 'done', 'submitted');
      await db.pool.query(`update requests set status = 'succeeded' where tenant = $1 and id = 'done'`, [tenant]);
      const held = (id: string) => ({
        tenant,
        requestId: id,
        lane: 'batch' as const,
        releaseAt: new Date('2030-01-01T02:00:00Z'),
        message: { id },
        correlationId: `c-${id}`,
      });
      const cacheKey = { scope: tenant, contentHash: 'h1' };
      const lanes = {
        realtime: { priceUsd: 0.002, missProbability: 0, meetProbability: 1, expectedCostUsd: 0.002 },
        batch: { priceUsd: 0.001, missProbability: 0.125, meetProbability: 0.9999, expectedCostUsd: 0.00125 },
      };

      const applied = await requests.routeMany(
        [
          routed(tenant, 'lane', { routing: { ...routed(tenant, 'lane').routing, cacheKey, lanes } }),
          routed(tenant, 'held', { status: 'queued' }),
          routed(tenant, 'done', { status: 'queued' }),
        ],
        [held('held'), held('done')],
      );

      expect(applied).toEqual([true, true, false]);
      expect(await requests.get(tenant, 'lane')).toMatchObject({
        status: 'routed',
        lane: 'batch',
        decisionReason: 'slack-allows-batch',
        estimatedCostUsd: 0.001,
        realtimeCostUsd: 0.002,
        routedAt: NOW,
        deadline: new Date('2030-01-02T00:00:00Z'),
        cacheKey,
        routingLanes: lanes,
      });
      expect(await requests.get(tenant, 'held')).toMatchObject({ status: 'queued', lane: 'batch' });
      expect((await requests.get(tenant, 'held'))?.routingLanes).toBeUndefined();
      expect(await holds.get(tenant, 'held')).toMatchObject({ lane: 'batch', message: { id: 'held' }, correlationId: 'c-held', releasedAt: null });
      expect(await requests.get(tenant, 'done')).toMatchObject({ status: 'succeeded', lane: null });
      expect(await holds.get(tenant, 'done')).toBeUndefined();
    });

    it('applies the first of two routings of one request in a batch, and reports the second as not applied', async () => {
      const tenant = randomTenant();
      await insert(tenant, 'twice');
      const first = routed(tenant, 'twice');
      const second = routed(tenant, 'twice', { routing: { ...first.routing, lane: 'realtime', reason: 'slack-needs-realtime' } });
      expect(await requests.routeMany([first, second])).toEqual([true, false]);
      expect(await requests.get(tenant, 'twice')).toMatchObject({ lane: 'batch', decisionReason: 'slack-allows-batch' });
    });

    it('keeps the first hold of a redelivered request, and holds one recorded before without it', async () => {
      const tenant = randomTenant();
      await insert(tenant, 'again', 'unheld');
      const first = { tenant, requestId: 'again', lane: 'batch' as const, releaseAt: new Date('2030-01-01T02:00:00Z'), message: { first: true } };
      await requests.routeMany([routed(tenant, 'again', { status: 'queued' })], [first]);
      // The redelivery: the decision is already recorded, so only the hold is given again.
      await requests.routeMany([], [{ ...first, message: { first: false }, releaseAt: new Date('2030-01-01T03:00:00Z') }]);
      expect(await holds.get(tenant, 'again')).toMatchObject({ message: { first: true }, releaseAt: new Date('2030-01-01T02:00:00Z') });
      // Recorded queued by a router that stopped before holding: the hold alone is written.
      await requests.routeMany(
        [],
        [
          { ...first, requestId: 'unheld' },
          { ...first, requestId: 'unheld', message: { first: false } },
        ],
      );
      expect(await holds.get(tenant, 'unheld')).toMatchObject({ message: { first: true } });
    });

    it('records overlapping batches concurrently without deadlocking', async () => {
      const tenant = randomTenant();
      const ids = Array.from({ length: 300 }, (_, i) => `r${i}`);
      await insert(tenant, ...ids);
      const forward = ids.map((id) => routed(tenant, id));
      const backward = [...forward].reverse();
      const results = await Promise.all([requests.routeMany(forward), requests.routeMany(backward), requests.routeMany(forward)]);
      for (const applied of results) expect(applied.every(Boolean)).toBe(true);
    });
  });

  describe('CoalescingRepository.claimOrJoinMany', () => {
    const key = (tenant: string, input: string): CoalescingKey => ({
      scope: tenant,
      contentHash: cacheContentHash('openai', 'embedding', { model: 'm', input }),
    });

    it('makes the first of identical requests in one batch the leader and the others its followers; distinct ones each lead', async () => {
      const tenant = randomTenant();
      const same = key(tenant, 'same');
      const outcomes = await coalescing.claimOrJoinMany(
        [
          { key: same, request: { tenant, requestId: 'a' } },
          { key: key(tenant, 'other'), request: { tenant, requestId: 'b' } },
          { key: same, request: { tenant, requestId: 'c' } },
          { key: same, request: { tenant, requestId: 'd' } },
        ],
        MINUTE,
        NOW,
      );
      const leader = { tenant, requestId: 'a' };
      expect(outcomes).toEqual([{ role: 'leader' }, { role: 'leader' }, { role: 'follower', leader }, { role: 'follower', leader }]);
      expect((await coalescing.release(same, leader)).map((f) => f.requestId).sort()).toEqual(['c', 'd']);
    });

    it('answers a redelivered batch as the first time: the leader leads again, followers follow once', async () => {
      const tenant = randomTenant();
      const k = key(tenant, 'redelivered');
      const claims = [
        { key: k, request: { tenant, requestId: 'lead' } },
        { key: k, request: { tenant, requestId: 'follow' } },
      ];
      const first = await coalescing.claimOrJoinMany(claims, MINUTE, NOW);
      const again = await coalescing.claimOrJoinMany(claims, MINUTE, NOW);
      expect(again).toEqual(first);
      expect(first).toEqual([{ role: 'leader' }, { role: 'follower', leader: { tenant, requestId: 'lead' } }]);
      expect(await coalescing.release(k, { tenant, requestId: 'lead' })).toEqual([{ tenant, requestId: 'follow' }]);
    });

    it('joins a leader in flight from an earlier batch, and replaces it when it went stale', async () => {
      const tenant = randomTenant();
      const fresh = key(tenant, 'fresh');
      const stale = key(tenant, 'stale');
      await coalescing.claimOrJoin(fresh, { tenant, requestId: 'early' }, MINUTE, NOW);
      await coalescing.claimOrJoin(stale, { tenant, requestId: 'lost' }, MINUTE, new Date(NOW.getTime() - 2 * MINUTE));
      const outcomes = await coalescing.claimOrJoinMany(
        [
          { key: fresh, request: { tenant, requestId: 'x' } },
          { key: stale, request: { tenant, requestId: 'y' } },
          { key: stale, request: { tenant, requestId: 'z' } },
        ],
        MINUTE,
        NOW,
      );
      expect(outcomes).toEqual([
        { role: 'follower', leader: { tenant, requestId: 'early' } },
        { role: 'leader' },
        { role: 'follower', leader: { tenant, requestId: 'y' } },
      ]);
      expect(await coalescing.release(stale, { tenant, requestId: 'lost' })).toEqual([]);
      expect(await coalescing.release(stale, { tenant, requestId: 'y' })).toEqual([{ tenant, requestId: 'z' }]);
    });

    it('answers every identical request of a batch from a live cache entry, counting each hit, and leads none', async () => {
      const tenant = randomTenant();
      const k = key(tenant, 'cached');
      await cache.put({
        tenant,
        contentHash: k.contentHash,
        provider: 'openai',
        model: 'm',
        result: { response: {} },
        sourceRequestId: 'src',
        expiresAt: '2030-02-01T00:00:00Z',
      });
      const outcomes = await coalescing.claimOrJoinMany(
        [
          { key: k, request: { tenant, requestId: 'p' } },
          { key: k, request: { tenant, requestId: 'q' } },
        ],
        MINUTE,
        NOW,
      );
      expect(outcomes).toEqual([
        { role: 'cached', result: { response: {} }, sourceRequestId: 'src' },
        { role: 'cached', result: { response: {} }, sourceRequestId: 'src' },
      ]);
      const { rows } = await db.pool.query<{ hits: string }>('select hits from cache_entries where tenant = $1', [tenant]);
      expect(Number(rows[0]!.hits)).toBe(2);
      expect(await coalescing.release(k, { tenant, requestId: 'p' })).toEqual([]);
    });

    it('answers from a live cache entry even while a leader is in flight for the key, and leaves that leader as it was', async () => {
      const tenant = randomTenant();
      const k = key(tenant, 'cached-and-led');
      await coalescing.claimOrJoin(k, { tenant, requestId: 'inflight' }, MINUTE, NOW);
      await cache.put({
        tenant,
        contentHash: k.contentHash,
        provider: 'openai',
        model: 'm',
        result: { response: { n: 1 } },
        sourceRequestId: 'src',
        expiresAt: '2030-02-01T00:00:00Z',
      });
      const outcomes = await coalescing.claimOrJoinMany([{ key: k, request: { tenant, requestId: 'late' } }], MINUTE, NOW);
      expect(outcomes).toEqual([{ role: 'cached', result: { response: { n: 1 } }, sourceRequestId: 'src' }]);
      expect(await coalescing.release(k, { tenant, requestId: 'inflight' })).toEqual([]);
    });

    it('makes one leader among concurrent batches claiming the same keys', async () => {
      const tenant = randomTenant();
      const keys = Array.from({ length: 20 }, (_, i) => key(tenant, `k${i}`));
      const batches = await Promise.all(
        Array.from({ length: 4 }, (_, b) =>
          coalescing.claimOrJoinMany(
            keys.map((k, i) => ({ key: k, request: { tenant, requestId: `b${b}-${i}` } })),
            MINUTE,
            NOW,
          ),
        ),
      );
      for (let i = 0; i < keys.length; i++) {
        const roles = batches.map((outcomes) => outcomes[i]!);
        expect(roles.filter((o) => o.role === 'leader')).toHaveLength(1);
        const leader = batches.findIndex((outcomes) => outcomes[i]!.role === 'leader');
        for (const outcome of roles.filter((o) => o.role !== 'leader'))
          expect(outcome).toEqual({ role: 'follower', leader: { tenant, requestId: `b${leader}-${i}` } });
      }
    });
  });

  describe('CacheRepository.hitMany', () => {
    it('answers live entries in input order, counting a key given twice as two hits; expired and unknown keys miss', async () => {
      const tenant = randomTenant();
      const put = (contentHash: string, expiresAt: string) =>
        cache.put({ tenant, contentHash, provider: 'openai', model: 'm', result: { n: contentHash }, sourceRequestId: `src-${contentHash}`, expiresAt });
      await put('live', '2030-02-01T00:00:00Z');
      await put('expired', '2029-12-01T00:00:00Z');
      const entries = await cache.hitMany(
        [
          { tenant, contentHash: 'live' },
          { tenant, contentHash: 'expired' },
          { tenant, contentHash: 'unknown' },
          { tenant, contentHash: 'live' },
        ],
        NOW,
      );
      expect(entries.map((e) => e?.sourceRequestId)).toEqual(['src-live', undefined, undefined, 'src-live']);
      expect(entries[3]).toMatchObject({ result: { n: 'live' }, hits: 2 });
    });
  });
});
