import { randomBytes } from 'node:crypto';
import { randomTenant } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { WebhookDeliveriesRepository, type WebhookDelivery } from './webhook-deliveries.repository';

describe('WebhookDeliveriesRepository', () => {
  let db: TestDatabase;
  let webhooks: WebhookDeliveriesRepository;

  beforeEach(async () => {
    db = await createTestDatabase();
    webhooks = new WebhookDeliveriesRepository(db.pool);
  });

  afterEach(async () => {
    await db.drop();
  });

  function delivery(eventId: string, notBefore = new Date('2030-01-01T00:00:00Z')) {
    return { eventId, tenant: randomTenant(), requestId: 'r1', url: 'https://hooks.example.com', payload: { eventId }, notBefore };
  }

  it('queues an event once', async () => {
    expect(await webhooks.enqueue(delivery('e1'))).toBe(true);
    expect(await webhooks.enqueue(delivery('e1'))).toBe(false);
    expect(await webhooks.get('e1')).toMatchObject({ status: 'pending', attempts: 0, payload: { eventId: 'e1' } });
  });

  it('hands each due delivery to exactly one of several concurrent claimers', async () => {
    const ids = Array.from({ length: 40 }, (_, i) => `e-${i}-${randomBytes(3).toString('hex')}`);
    for (const id of ids) await webhooks.enqueue(delivery(id));
    const now = new Date('2030-01-01T00:00:01Z');
    // Claimers skip rows another holds locked, so one round of them may leave some for the next round
    // (as the notifier's next tick would): what matters is that no delivery goes to two of them.
    const claims: WebhookDelivery[] = [];
    for (let round = 0; round < 10 && claims.length < ids.length; round += 1) {
      const concurrent = await Promise.all(Array.from({ length: 5 }, () => webhooks.claimDue(15, 60_000, now)));
      claims.push(...concurrent.flat());
    }
    const claimed = claims.map((d) => d.eventId);
    expect(claimed.sort()).toEqual([...ids].sort());
    expect(claims.every((d) => d.attempts === 1 && d.nextAttemptAt.getTime() === now.getTime() + 60_000)).toBe(true);
    // Leased: nothing is due again until the lease runs out.
    expect(await webhooks.claimDue(100, 60_000, now)).toEqual([]);
    expect(await webhooks.claimDue(100, 60_000, new Date(now.getTime() + 60_001))).toHaveLength(40);
  });

  it('lets tenants take turns in a claim and holds each to its share, counting what is already in flight', async () => {
    const [slow, fast, quiet] = [randomTenant(), randomTenant(), randomTenant()];
    // The slow tenant's backlog is the oldest: claimed by age alone, it would fill every claim.
    const queue = async (tenant: string, count: number, at: string): Promise<void> => {
      for (let i = 0; i < count; i += 1) {
        await webhooks.enqueue({ ...delivery(`${tenant}-${i}`, new Date(at)), tenant });
      }
    };
    await queue(slow, 10, '2030-01-01T00:00:00Z');
    await queue(fast, 4, '2030-01-01T00:00:10Z');
    await queue(quiet, 1, '2030-01-01T00:00:20Z');
    const now = new Date('2030-01-01T00:01:00Z');
    const tenantsOf = (claimed: readonly WebhookDelivery[]): string[] => claimed.map((d) => d.tenant).sort();

    const first = await webhooks.claimDue(5, 60_000, now, { perTenant: 3, inFlight: new Map([[slow, 1]]) });
    expect(tenantsOf(first)).toEqual([fast, fast, quiet, slow, slow].sort());

    const second = await webhooks.claimDue(10, 60_000, now, { perTenant: 3, inFlight: new Map([[slow, 3]]) });
    expect(tenantsOf(second)).toEqual([fast, fast]);
    // Without a share, turns still keep the claim fair.
    const third = await webhooks.claimDue(4, 60_000, now);
    expect(tenantsOf(third)).toEqual([slow, slow, slow, slow]);
  });

  it('does not hand out deliveries before they are due', async () => {
    await webhooks.enqueue(delivery('later', new Date('2030-01-01T01:00:00Z')));
    expect(await webhooks.claimDue(10, 1_000, new Date('2030-01-01T00:59:59Z'))).toEqual([]);
  });

  it('records delivery, retry and giving up', async () => {
    await webhooks.enqueue(delivery('ok'));
    await webhooks.enqueue(delivery('flaky'));
    await webhooks.claimDue(10, 1_000, new Date('2030-01-01T00:00:00Z'));

    await webhooks.markDelivered('ok', 204);
    expect(await webhooks.get('ok')).toMatchObject({ status: 'delivered', lastStatusCode: 204 });

    const retryAt = new Date('2030-01-01T00:05:00Z');
    await webhooks.markFailed('flaky', { statusCode: 503, error: 'unavailable', retryAt });
    expect(await webhooks.get('flaky')).toMatchObject({ status: 'pending', lastStatusCode: 503, lastError: 'unavailable', nextAttemptAt: retryAt });
    await webhooks.markFailed('flaky', { error: 'connection refused' });
    expect(await webhooks.get('flaky')).toMatchObject({ status: 'dead', lastStatusCode: null, lastError: 'connection refused' });
    expect(await webhooks.claimDue(10, 1_000, new Date('2031-01-01T00:00:00Z'))).toEqual([]);
  });
});
