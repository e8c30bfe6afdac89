import { lifecycleEventId } from '@sluice/contracts';
import type { WebhookDelivery } from '@sluice/ledger';
import { createTestDatabase } from '@sluice/ledger/testing/test-database';
import { randomTenant, waitFor } from '@sluice/testing';
import { NotifierHarness, requestRow, resultOf, startNotifier, TEST_WEBHOOK_SECRET } from './notifier.harness';
import { verifyStandardWebhook } from './standard-webhooks.reference';
import { ReceivedWebhook, WebhookReceiver } from './webhook.receiver';

function expectVerified(hook: ReceivedWebhook): void {
  expect(() => verifyStandardWebhook(TEST_WEBHOOK_SECRET, hook.headers, hook.body)).not.toThrow();
}

async function settled(h: NotifierHarness, eventId: string): Promise<WebhookDelivery> {
  return waitFor(
    async () => {
      const delivery = await h.ledger.webhookDeliveries.get(eventId);
      return delivery !== undefined && delivery.status !== 'pending' ? delivery : null;
    },
    { timeoutMs: 30_000, description: `webhook ${eventId} to be delivered or given up` },
  );
}

async function counted(h: NotifierHarness, name: string, label: string, value: string): Promise<number> {
  const metric = (await h.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values.filter((v) => v.labels[label] === value).reduce((sum, v) => sum + v.value, 0);
}

function deliveriesCounted(h: NotifierHarness, outcome: string): Promise<number> {
  return counted(h, 'sluice_webhook_deliveries_total', 'outcome', outcome);
}

describe('result-notifier webhooks, to a receiver on 127.0.0.1', () => {
  let h: NotifierHarness;
  const receiver = new WebhookReceiver();

  beforeAll(async () => {
    await receiver.start();
    h = await startNotifier();
  }, 120_000);

  afterAll(async () => {
    await h?.close();
    await receiver.stop();
  });

  it('delivers a completion once, signed so a Standard Webhooks receiver verifies it, though the result came twice', async () => {
    const tenant = randomTenant();
    const path = `/hooks/${tenant}`;
    await h.ledger.requests.insert(requestRow(tenant, 'req-1', { webhookUrl: receiver.url(path) }));
    const result = resultOf(tenant, 'req-1');
    const eventId = lifecycleEventId(tenant, 'req-1', 'completed');
    const duplicatesBefore = await counted(h, 'sluice_results_skipped_total', 'reason', 'duplicate');

    await h.produceResults([result, result]);

    expect(await settled(h, eventId)).toMatchObject({ status: 'delivered', attempts: 1, lastStatusCode: 200 });
    await waitFor(async () => (await counted(h, 'sluice_results_skipped_total', 'reason', 'duplicate')) > duplicatesBefore, {
      timeoutMs: 30_000,
      description: 'the second copy to be handled',
    });
    await waitFor(() => h.eventsOf(tenant, 'req-1').length > 0, { timeoutMs: 30_000, description: 'the completed event' });
    expect(h.eventsOf(tenant, 'req-1')).toHaveLength(1);
    const hooks = receiver.at(path);
    expect(hooks).toHaveLength(1);
    expectVerified(hooks[0]);
    expect(hooks[0].headers['webhook-id']).toBe(eventId);
    expect(hooks[0].headers['content-type']).toBe('application/json');
    const body = JSON.parse(hooks[0].body) as { type: string; timestamp: string; data: { event: { eventId: string }; result: unknown } };
    expect(body).toMatchObject({ type: 'request.completed', timestamp: result.timings.completedAt, data: { event: { eventId, type: 'completed' } } });
    expect(body.data.result).toEqual(JSON.parse(JSON.stringify(result)));
  });

  it("signs a tenant's webhooks with its own secret, so one replayed to another tenant's receiver fails verification", async () => {
    const [owner, other] = [randomTenant(), randomTenant()];
    await Promise.all([h.ledger.tenants.upsert(owner), h.ledger.tenants.upsert(other)]);
    const [ownerSecret, otherSecret] = [(await h.ledger.webhookSecrets.rotate(owner, 0)).secret, (await h.ledger.webhookSecrets.rotate(other, 0)).secret];
    const path = `/hooks/${owner}`;
    await h.ledger.requests.insert(requestRow(owner, 'req-1', { webhookUrl: receiver.url(path) }));

    await h.produceResults([resultOf(owner, 'req-1')]);

    expect(await settled(h, lifecycleEventId(owner, 'req-1', 'completed'))).toMatchObject({ status: 'delivered' });
    const [hook] = receiver.at(path);
    expect(() => verifyStandardWebhook(ownerSecret, hook!.headers, hook!.body)).not.toThrow();
    // What the other tenant's receiver (or anyone holding only the shared key) would check it with:
    expect(() => verifyStandardWebhook(otherSecret, hook!.headers, hook!.body)).toThrow('no webhook-signature matches');
    expect(() => verifyStandardWebhook(TEST_WEBHOOK_SECRET, hook!.headers, hook!.body)).toThrow('no webhook-signature matches');
  });

  it('sends a failed event for a failed result', async () => {
    const tenant = randomTenant();
    const path = `/hooks/${tenant}`;
    await h.ledger.requests.insert(requestRow(tenant, 'req-1', { webhookUrl: receiver.url(path) }));
    const failed = resultOf(tenant, 'req-1', {
      status: 'failed',
      response: undefined,
      error: { code: 'PROVIDER_INVALID_REQUEST', message: 'model not found', retryable: false },
      usage: { inputTokens: 0, outputTokens: 0 },
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    });

    await h.produceResults([failed]);

    expect(await settled(h, lifecycleEventId(tenant, 'req-1', 'failed'))).toMatchObject({ status: 'delivered' });
    const [hook] = receiver.at(path);
    expectVerified(hook);
    expect(JSON.parse(hook.body)).toMatchObject({ type: 'request.failed', data: { event: { type: 'failed', error: { code: 'PROVIDER_INVALID_REQUEST' } } } });
  });

  it('retries a failing endpoint (500) with backoff, then marks the delivery dead with the last status', async () => {
    const tenant = randomTenant();
    const path = `/hooks/${tenant}`;
    await h.ledger.requests.insert(requestRow(tenant, 'req-1', { webhookUrl: receiver.url(path, () => 500) }));
    const eventId = lifecycleEventId(tenant, 'req-1', 'completed');
    const retriesBefore = await deliveriesCounted(h, 'retry');
    const deadBefore = await deliveriesCounted(h, 'dead');

    await h.produceResults([resultOf(tenant, 'req-1')]);

    const dead = await settled(h, eventId);
    expect(dead).toMatchObject({ status: 'dead', attempts: 3, lastStatusCode: 500, deliveredAt: null });
    expect(dead.lastError).toMatch(/^HTTP 500: refused by the test receiver \(500\) \(attempt 3 of 3\)$/);
    const hooks = receiver.at(path);
    expect(hooks).toHaveLength(3);
    for (const hook of hooks) {
      expectVerified(hook);
      expect(hook.headers['webhook-id']).toBe(eventId);
    }
    expect(new Set(hooks.map((hook) => hook.body)).size).toBe(1);
    expect(await deliveriesCounted(h, 'retry')).toBe(retriesBefore + 2);
    expect(await deliveriesCounted(h, 'dead')).toBe(deadBefore + 1);
  });

  it('retries a transient failure and delivers on the next attempt', async () => {
    const tenant = randomTenant();
    const path = `/hooks/${tenant}`;
    await h.ledger.requests.insert(requestRow(tenant, 'req-1', { webhookUrl: receiver.url(path, (n) => (n === 1 ? 503 : 200)) }));

    await h.produceResults([resultOf(tenant, 'req-1')]);

    expect(await settled(h, lifecycleEventId(tenant, 'req-1', 'completed'))).toMatchObject({
      status: 'delivered',
      attempts: 2,
      lastStatusCode: 200,
      lastError: null,
    });
    expect(receiver.at(path)).toHaveLength(2);
  });

  it('gives up at once when the receiver refuses the request (404)', async () => {
    const tenant = randomTenant();
    const path = `/hooks/${tenant}`;
    await h.ledger.requests.insert(requestRow(tenant, 'req-1', { webhookUrl: receiver.url(path, () => 404) }));

    await h.produceResults([resultOf(tenant, 'req-1')]);

    const dead = await settled(h, lifecycleEventId(tenant, 'req-1', 'completed'));
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: 404 });
    expect(dead.lastError).toContain('(not retried)');
    expect(receiver.at(path)).toHaveLength(1);
  });

  it('sends nothing to an internal address the operator did not allow, and records why', async () => {
    const tenant = randomTenant();
    // Loopback as 127.0.0.1 is allowed for these tests' receiver; the rest of 127/8 is not (https: the URL's shape is fine).
    const url = receiver.url(`/hooks/${tenant}`).replace('http://127.0.0.1', 'https://127.0.0.2');
    await h.ledger.requests.insert(requestRow(tenant, 'req-1', { webhookUrl: url }));
    const deadBefore = await deliveriesCounted(h, 'dead');

    await h.produceResults([resultOf(tenant, 'req-1')]);

    const dead = await settled(h, lifecycleEventId(tenant, 'req-1', 'completed'));
    expect(dead).toMatchObject({ status: 'dead', attempts: 1, lastStatusCode: null, deliveredAt: null });
    expect(dead.lastError).toBe('webhook.url must not point at an internal address (127.0.0.2) unless the operator allows it (not sent)');
    expect(await deliveriesCounted(h, 'dead')).toBe(deadBefore + 1);
  });
});

describe('result-notifier webhooks across a restart', () => {
  const receiver = new WebhookReceiver();
  let h: NotifierHarness | undefined;

  beforeAll(() => receiver.start());

  afterAll(async () => {
    await h?.close();
    await receiver.stop();
  });

  it('delivers what an earlier notifier queued in the ledger and did not get to send', async () => {
    const db = await createTestDatabase();
    const tenant = randomTenant();
    const path = `/hooks/${tenant}`;
    const eventId = lifecycleEventId(tenant, 'req-1', 'completed');
    await db.pool.query(
      `insert into webhook_deliveries (event_id, tenant, request_id, url, payload, attempts, last_status_code, last_error)
       values ($1, $2, 'req-1', $3, $4, 1, 503, 'HTTP 503')`,
      [eventId, tenant, receiver.url(path), JSON.stringify({ type: 'request.completed', data: { left: 'behind' } })],
    );

    h = await startNotifier({ database: db });

    expect(await settled(h, eventId)).toMatchObject({ status: 'delivered', attempts: 2, lastStatusCode: 200 });
    const [hook] = receiver.at(path);
    expectVerified(hook);
    expect(JSON.parse(hook.body)).toEqual({ type: 'request.completed', data: { left: 'behind' } });
  });
});

describe('result-notifier webhooks, one tenant with a slow receiver', () => {
  const receiver = new WebhookReceiver();
  let h: NotifierHarness | undefined;
  let release: () => void = () => undefined;

  beforeAll(async () => {
    await receiver.start();
    h = await startNotifier({
      env: {
        NOTIFIER_WEBHOOK_CONCURRENCY: '4',
        NOTIFIER_WEBHOOK_CONCURRENCY_PER_TENANT: '2',
        // Longer than the test waits: the slow receiver's attempts stay in flight until it is released.
        NOTIFIER_WEBHOOK_TIMEOUT_MS: '120000',
      },
    });
  }, 120_000);

  afterAll(async () => {
    release();
    await h?.close();
    await receiver.stop();
  });

  it("delivers another tenant's webhooks while the slow tenant's attempts hang, holding it to its share", async () => {
    const notifier = h!;
    const [slow, fast] = [randomTenant('slow'), randomTenant('fast')];
    const answered = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slowPath = `/hooks/${slow}`;
    const slowUrl = receiver.url(slowPath, () => answered.then(() => 200));
    // The slow tenant's backlog is older than anything the fast tenant will queue: by age alone it would take every slot.
    const slowIds = Array.from({ length: 6 }, (_, i) => `${slow}.backlog-${i}`);
    for (const [i, eventId] of slowIds.entries()) {
      await notifier.ledger.webhookDeliveries.enqueue({
        eventId,
        tenant: slow,
        requestId: `backlog-${i}`,
        url: slowUrl,
        payload: { type: 'request.completed', data: { i } },
        notBefore: new Date(Date.now() - 60_000),
      });
    }
    await waitFor(() => receiver.at(slowPath).length === 2, { timeoutMs: 30_000, description: "the slow tenant's share of attempts to start" });

    const fastPath = `/hooks/${fast}`;
    const fastIds = Array.from({ length: 6 }, (_, i) => `req-${i}`);
    for (const id of fastIds) await notifier.ledger.requests.insert(requestRow(fast, id, { webhookUrl: receiver.url(fastPath) }));
    await notifier.produceResults(fastIds.map((id) => resultOf(fast, id)));

    for (const id of fastIds) {
      expect(await settled(notifier, lifecycleEventId(fast, id, 'completed'))).toMatchObject({ status: 'delivered', lastStatusCode: 200 });
    }
    // Still hanging: the slow tenant got its two attempts and no more, and nothing of it is settled.
    expect(receiver.at(slowPath)).toHaveLength(2);
    const stuck = await Promise.all(slowIds.map((eventId) => notifier.ledger.webhookDeliveries.get(eventId)));
    expect(stuck.map((delivery) => delivery?.status)).toEqual(slowIds.map(() => 'pending'));

    release();
    for (const eventId of slowIds) expect(await settled(notifier, eventId)).toMatchObject({ status: 'delivered', attempts: 1 });
  });
});
