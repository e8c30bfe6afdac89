import type { TenantShare, WebhookDelivery } from '@sluice/ledger';
import { MetricsRegistry } from '@sluice/observability';
import { waitFor } from '@sluice/testing';
import pino from 'pino';
import { verifyStandardWebhook } from '../../test/standard-webhooks.reference';
import { WebhookDeliveryLoop } from './webhook-delivery.loop';
import { SharedWebhookKey } from './webhook.keys';
import { WebhookMetrics } from './webhook.metrics';
import { AttemptResult } from './webhook.retry-policy';
import { WebhookPost } from './webhook.sender';

const SECRET = `whsec_${Buffer.from('a-test-key-of-more-than-24-bytes!').toString('base64')}`;
const NOW = new Date('2030-01-01T00:00:00Z');

function delivery(overrides: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    eventId: 'acme.req-1.completed',
    tenant: 'acme',
    requestId: 'req-1',
    url: 'https://hooks.example.com/sluice',
    payload: { type: 'request.completed', data: { n: 1 } },
    status: 'pending',
    attempts: 1,
    nextAttemptAt: NOW,
    lastStatusCode: null,
    lastError: null,
    createdAt: NOW,
    deliveredAt: null,
    ...overrides,
  };
}

/** Due deliveries handed out once each, and what the loop recorded about them. */
class FakeDeliveries {
  due: WebhookDelivery[] = [];
  claims = 0;
  /** What the loop said it had in flight, by tenant, at each claim. */
  readonly shares: Array<{ perTenant: number; inFlight: Record<string, number> }> = [];
  readonly delivered: Array<{ eventId: string; statusCode: number }> = [];
  readonly failed: Array<{ eventId: string; statusCode?: number | null; error: string; retryAt?: Date | null }> = [];

  async claimDue(limit: number, _leaseMs: number, _now: Date, share: TenantShare): Promise<WebhookDelivery[]> {
    this.claims += 1;
    this.shares.push({ perTenant: share.perTenant, inFlight: Object.fromEntries(share.inFlight) });
    return this.due.splice(0, limit);
  }

  async markDelivered(eventId: string, statusCode: number): Promise<void> {
    this.delivered.push({ eventId, statusCode });
  }

  async markFailed(eventId: string, failure: { statusCode?: number | null; error: string; retryAt?: Date | null }): Promise<void> {
    this.failed.push({ eventId, ...failure });
  }
}

function loopWith(deliveries: FakeDeliveries, post: (request: WebhookPost) => Promise<AttemptResult>): WebhookDeliveryLoop {
  return new WebhookDeliveryLoop(
    { policy: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 10_000 }, concurrency: 4, concurrencyPerTenant: 2, pollMs: 60_000, timeoutMs: 1_000 },
    {
      deliveries,
      keys: new SharedWebhookKey(SECRET),
      post,
      metrics: new WebhookMetrics(new MetricsRegistry('webhook-loop-test')),
      logger: pino({ level: 'silent' }),
      clock: () => NOW,
    },
  );
}

describe('WebhookDeliveryLoop', () => {
  let loop: WebhookDeliveryLoop | undefined;

  afterEach(async () => {
    await loop?.stop();
  });

  it('POSTs the stored payload, signed, and records a 2xx as delivered', async () => {
    const deliveries = new FakeDeliveries();
    deliveries.due = [delivery()];
    const posts: WebhookPost[] = [];
    loop = loopWith(deliveries, async (request) => {
      posts.push(request);
      return { kind: 'response', status: 204 };
    });
    loop.start();

    await waitFor(() => deliveries.delivered.length === 1, { timeoutMs: 5_000, description: 'the delivery to be recorded' });
    expect(deliveries.delivered).toEqual([{ eventId: 'acme.req-1.completed', statusCode: 204 }]);
    expect(posts).toHaveLength(1);
    expect(posts[0].url).toBe('https://hooks.example.com/sluice');
    expect(JSON.parse(posts[0].body)).toEqual({ type: 'request.completed', data: { n: 1 } });
    expect(() => verifyStandardWebhook(SECRET, posts[0].headers, posts[0].body, NOW)).not.toThrow();
  });

  it('records a failed attempt with the next attempt time from the policy', async () => {
    const deliveries = new FakeDeliveries();
    deliveries.due = [delivery({ attempts: 2 })];
    loop = loopWith(deliveries, async () => ({ kind: 'response', status: 502 }));
    loop.start();

    await waitFor(() => deliveries.failed.length === 1, { timeoutMs: 5_000, description: 'the failed attempt to be recorded' });
    expect(deliveries.failed).toEqual([{ eventId: 'acme.req-1.completed', statusCode: 502, error: 'HTTP 502', retryAt: new Date(NOW.getTime() + 2_000) }]);
  });

  it('marks a delivery to a URL that is not allowed dead without sending anything', async () => {
    const deliveries = new FakeDeliveries();
    deliveries.due = [delivery({ url: 'http://hooks.example.com/plain-http' })];
    let posts = 0;
    loop = loopWith(deliveries, async () => {
      posts += 1;
      return { kind: 'response', status: 200 };
    });
    loop.start();

    await waitFor(() => deliveries.failed.length === 1, { timeoutMs: 5_000, description: 'the delivery to be given up' });
    expect(deliveries.failed[0]).toMatchObject({ statusCode: null, retryAt: null, error: expect.stringContaining('not allowed') });
    expect(posts).toBe(0);
  });

  it('looks for due deliveries as soon as it is woken, not at the next poll', async () => {
    const deliveries = new FakeDeliveries();
    loop = loopWith(deliveries, async () => ({ kind: 'response', status: 200 }));
    loop.start();
    // Its first look found nothing; the next poll is a minute away.
    await waitFor(() => deliveries.claims === 1, { timeoutMs: 5_000, description: 'the loop to look once' });

    deliveries.due = [delivery()];
    loop.wake();

    await waitFor(() => deliveries.delivered.length === 1, { timeoutMs: 5_000, description: 'the woken loop to deliver' });
  });

  it('tells each claim what every tenant has in flight, so the ledger holds a tenant to its share', async () => {
    const deliveries = new FakeDeliveries();
    deliveries.due = [delivery({ eventId: 'slow-1', tenant: 'slow' }), delivery({ eventId: 'slow-2', tenant: 'slow' })];
    const answers = new Map<string, (result: AttemptResult) => void>();
    loop = loopWith(deliveries, (request) => new Promise<AttemptResult>((resolve) => answers.set(request.headers['webhook-id']!, resolve)));
    loop.start();
    await waitFor(() => answers.size === 2, { timeoutMs: 5_000, description: 'both attempts to start' });

    loop.wake();
    await waitFor(() => deliveries.shares.some((share) => share.inFlight.slow === 2), { timeoutMs: 5_000, description: 'a claim with both in flight' });
    answers.get('slow-1')!({ kind: 'response', status: 200 });
    await waitFor(() => deliveries.shares.at(-1)?.inFlight.slow === 1, { timeoutMs: 5_000, description: 'a claim after one answered' });
    answers.get('slow-2')!({ kind: 'response', status: 200 });
    await waitFor(() => deliveries.delivered.length === 2, { timeoutMs: 5_000, description: 'both to be recorded' });
    await waitFor(() => deliveries.shares.length > 0 && !('slow' in deliveries.shares.at(-1)!.inFlight), {
      timeoutMs: 5_000,
      description: 'a claim with nothing in flight',
    });
    expect(deliveries.shares.every((share) => share.perTenant === 2)).toBe(true);
  });

  it('finishes the attempt in flight before it stops', async () => {
    const deliveries = new FakeDeliveries();
    deliveries.due = [delivery()];
    let answer: (result: AttemptResult) => void = () => undefined;
    let posted = false;
    loop = loopWith(
      deliveries,
      () =>
        new Promise<AttemptResult>((resolve) => {
          posted = true;
          answer = resolve;
        }),
    );
    loop.start();
    await waitFor(() => posted, { timeoutMs: 5_000, description: 'the attempt to start' });

    const stopped = loop.stop();
    answer({ kind: 'response', status: 200 });
    await stopped;

    expect(deliveries.delivered).toEqual([{ eventId: 'acme.req-1.completed', statusCode: 200 }]);
  });
});
