import { INTERNAL_SIGNATURE_HEADER, lifecycleEventId, resultIdFor, Topics } from '@sluice/contracts';
import { sampleLaneRequest, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { MessageSigner } from '@sluice/kafka';
import { randomTenant } from '@sluice/testing';
import { chatRequest, SluiceHarness, verifyStandardWebhook, WebhookReceiver } from './support';
import type { EventValue } from './support/sluice.harness';

/**
 * The trust boundaries on the real broker and database: who may speak for a tenant on Kafka, results
 * only Sluice's services may produce, replyTo topics per tenant, where webhooks may go and whose secret
 * signs them, and how fast one API key may call.
 */
describe('trust boundaries', () => {
  let h: SluiceHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'trust-boundaries' });
    receiver = await WebhookReceiver.start();
  }, 20 * 60_000);

  afterAll(async () => {
    await receiver?.stop();
    await h?.stop();
  }, 60_000);

  const rejection = (tenant: string, id: string) =>
    h.tap.values<EventValue>(tenant, id, Topics.Events).find((event) => event.type === 'rejected' || event.type === 'accepted');

  /**
   * Ingestion reads tenants' policies every 200 ms in this harness: probes (sent as `send` says) until
   * one is refused with `code`, so what the test then sends meets the policy in force, not the one before.
   */
  async function untilRefused(tenant: string, code: string, send: (id: string) => Promise<void>): Promise<void> {
    let probe = 0;
    await h.waitFor(
      async () => {
        const id = `probe-${(probe += 1)}`;
        await send(id);
        const fate = await h.waitFor(() => rejection(tenant, id), { timeoutMs: 30_000, description: `the fate of ${tenant}/${id}` });
        return fate.type === 'rejected' && (fate.error as { code?: string } | undefined)?.code === code;
      },
      { timeoutMs: 30_000, description: `ingestion to apply ${tenant}'s policy (${code})` },
    );
  }

  it('rejects a request produced for a tenant from an intake topic the tenant is not bound to, with a coded event naming the tenant', async () => {
    const tenant = randomTenant('bound');
    await h.ledger.issueApiKey(tenant);
    await h.ledger.repositories.tenants.setIntakeTopics(tenant, [Topics.RequestsBulk]);
    await untilRefused(tenant, 'TENANT_NOT_BOUND', (id) => h.produce([chatRequest(tenant, { id })]));

    const elsewhere = chatRequest(tenant);
    const own = chatRequest(tenant);
    await h.produce([elsewhere]);
    await h.produceRaw([{ key: own.id, value: JSON.stringify(own) }], Topics.RequestsBulk);

    const rejected = await h.awaitEvent(tenant, elsewhere.id, 'rejected');
    expect(rejected).toMatchObject({ tenant, requestId: elsewhere.id, error: { code: 'TENANT_NOT_BOUND', field: 'tenant' } });
    expect((rejected.error as { message: string }).message).toContain(`may not be spoken for from ${Topics.Requests}`);
    // From the topic it is bound to, the same tenant is served.
    await h.awaitEvent(tenant, own.id, 'accepted');
    await h.quiesce();
    expect(await h.ledger.repositories.requests.get(tenant, elsewhere.id)).toBeUndefined();
    expect(h.eventTypes(tenant, elsewhere.id)).toEqual(['rejected']);
    expect(h.tap.forRequest(tenant, elsewhere.id, Topics.Results)).toEqual([]);
  });

  it('refuses a forged result on sluice.results.v1: dead-lettered with its code, neither booked nor delivered; the signed one is', async () => {
    const tenant = randomTenant('forged');
    const id = 'awaiting-answer';
    const receivedAt = new Date();
    await h.ledger.repositories.requests.insertMany([
      {
        tenant,
        id,
        bodyHash: 'f'.repeat(64),
        provider: 'openai',
        operation: 'chat',
        model: 'gpt-4o-mini',
        mode: 'auto',
        receivedAt,
        deadline: new Date(receivedAt.getTime() + 3_600_000),
        webhookUrl: `${receiver.url}/forged`,
      },
    ]);
    const result = (resultId: string) =>
      JSON.stringify(
        sampleResult({
          tenant,
          id,
          resultId,
          lane: 'realtime',
          timings: { receivedAt: receivedAt.toISOString(), completedAt: new Date().toISOString() },
          deadline: new Date(receivedAt.getTime() + 3_600_000).toISOString(),
        }),
      );
    const unsigned = result(resultIdFor(tenant, id, 'realtime', 1));
    const wrongKey = result(resultIdFor(tenant, id, 'realtime', 2));
    const genuineId = resultIdFor(tenant, id, 'realtime', 3);
    const genuine = result(genuineId);
    const services = new MessageSigner(); // the key the harness's services run with (the development key)
    const other = new MessageSigner('not-the-services-key-but-long-enough-0001');
    // One partition, in this order: the genuine result behind the forged ones shows they were handled first.
    await h.produceRaw(
      [
        { key: id, value: unsigned, partition: 0 },
        { key: id, value: wrongKey, partition: 0, headers: { [INTERNAL_SIGNATURE_HEADER]: other.signatureOf(Topics.Results, id, wrongKey) } },
      ],
      Topics.Results,
    );
    const dead = await h.waitFor(
      () => {
        const found = h.tap.on(Topics.Dlq).filter((message) => message.key === id && message.raw.includes(tenant));
        return found.length === 2 ? found : undefined;
      },
      { description: `the two forged results on ${Topics.Dlq}` },
    );
    expect(dead.map((message) => message.headers['x-sluice-error-code']).sort()).toEqual(['SIGNATURE_INVALID', 'SIGNATURE_MISSING']);
    expect(dead.every((message) => message.headers['x-sluice-original-topic'] === Topics.Results)).toBe(true);
    expect(await h.ledger.repositories.requests.get(tenant, id)).toMatchObject({ status: 'accepted' });
    expect(h.eventTypes(tenant, id)).toEqual([]);

    await h.produceRaw(
      [{ key: id, value: genuine, partition: 0, headers: { [INTERNAL_SIGNATURE_HEADER]: services.signatureOf(Topics.Results, id, genuine) } }],
      Topics.Results,
    );
    const completed = await h.awaitEvent(tenant, id, 'completed');
    const delivery = await h.waitFor(() => receiver.at('/forged')[0], { description: 'the webhook of the genuine result' });
    await h.quiesce();
    expect(await h.ledger.repositories.requests.get(tenant, id)).toMatchObject({ status: 'succeeded', resultId: genuineId });
    expect(completed).toMatchObject({ tenant, requestId: id });
    expect(delivery.body).toContain(genuineId);
    expect(receiver.at('/forged')).toHaveLength(1);
  });

  it('refuses a forged lane message: the realtime worker dead-letters it and calls no provider', async () => {
    const tenant = randomTenant('lane');
    const id = 'forged-lane';
    const now = Date.now();
    const lane = JSON.stringify(
      sampleLaneRequest({
        request: sampleRequest({ tenant, id, mode: 'realtime' }),
        receivedAt: new Date(now).toISOString(),
        deadline: new Date(now + 600_000).toISOString(),
        routing: {
          lane: 'realtime',
          reason: 'forged',
          estimatedCostUsd: 0.0001,
          realtimeCostUsd: 0.0001,
          routedAt: new Date(now).toISOString(),
          deadline: new Date(now + 600_000).toISOString(),
          attempt: 1,
        },
      }),
    );
    await h.produceRaw([{ key: id, value: lane }], Topics.LaneRealtime);

    const dead = await h.waitFor(() => h.tap.on(Topics.Dlq).find((message) => message.key === id && message.raw.includes(tenant)), {
      description: `the forged lane message on ${Topics.Dlq}`,
    });
    await h.quiesce();
    expect(dead.headers).toMatchObject({ 'x-sluice-error-code': 'SIGNATURE_MISSING', 'x-sluice-original-topic': Topics.LaneRealtime });
    expect(h.tap.forRequest(tenant, id, Topics.Results)).toEqual([]);
  });

  it("refuses a replyTo outside the tenant's prefixes at the door, naming replyTo: HTTP 400 and Kafka's rejected event", async () => {
    const tenant = randomTenant('reply');
    const apiKey = await h.ledger.issueApiKey(tenant);
    await h.ledger.repositories.tenants.setReplyToPrefixes(tenant, [`${tenant}.`]);
    await untilRefused(tenant, 'REPLY_TO_NOT_ALLOWED', (id) => h.produce([chatRequest(tenant, { id, extra: { replyTo: 'someone-else.answers' } })]));

    const overHttp = chatRequest(tenant, { extra: { replyTo: 'someone-else.answers' } });
    const reply = await h.http.submit(apiKey, overHttp);
    expect(reply.status).toBe(400);
    expect(reply.body).toMatchObject({ errors: [{ code: 'REPLY_TO_NOT_ALLOWED', field: 'replyTo' }] });

    const overKafka = chatRequest(tenant, { extra: { replyTo: 'someone-else.answers' } });
    const allowed = await h.createTopic(tenant);
    await h.ledger.repositories.tenants.setReplyToPrefixes(tenant, [`${tenant}.`, allowed]);
    const inside = chatRequest(tenant, { extra: { replyTo: allowed } });
    await h.produce([overKafka]);
    const rejected = await h.awaitEvent(tenant, overKafka.id, 'rejected');
    expect(rejected).toMatchObject({ error: { code: 'REPLY_TO_NOT_ALLOWED', field: 'replyTo' } });
    expect(await h.ledger.repositories.requests.get(tenant, overHttp.id)).toBeUndefined();
    expect(await h.ledger.repositories.requests.get(tenant, overKafka.id)).toBeUndefined();

    // A replyTo under an allowed prefix is taken (once ingestion has read the new prefixes).
    await h.waitFor(
      async () => {
        const probe = chatRequest(tenant, { extra: { replyTo: allowed } });
        return (await h.http.submit(apiKey, probe)).status === 202;
      },
      { description: 'the new prefixes in force' },
    );
    expect((await h.http.submit(apiKey, inside)).status).toBe(202);
  });

  it('refuses webhooks to loopback, private and link-local addresses the operator did not allow, naming webhook.url, sending nothing', async () => {
    // The harness allows 127.0.0.1 and localhost (its receivers); [::1] is loopback all the same.
    const port = new URL(receiver.url).port;
    const targets = [`https://[::1]:${port}/ssrf`, 'https://10.20.30.40/ssrf', 'https://169.254.169.254/latest/meta-data/'];
    const tenant = randomTenant('ssrf');
    const requests = targets.map((url) => chatRequest(tenant, { extra: { webhook: { url } } }));
    await h.produce(requests);
    for (const [index, request] of requests.entries()) {
      const eventId = lifecycleEventId(tenant, request.id, 'completed');
      const record = await h.waitFor(
        async () => {
          const found = await h.ledger.repositories.webhookDeliveries.get(eventId);
          return found?.status === 'dead' ? found : undefined;
        },
        { timeoutMs: 60_000, description: `the delivery of ${eventId} refused` },
      );
      const host = new URL(targets[index]!).hostname.replace(/^\[|\]$/g, '');
      expect(record).toMatchObject({ lastStatusCode: null, deliveredAt: null });
      expect(record.lastError).toBe(`webhook.url must not point at an internal address (${host}) unless the operator allows it (not sent)`);
    }
    expect(receiver.at('/ssrf')).toEqual([]);
  });

  it("signs each tenant's webhooks with its own secret: one replayed to another tenant's receiver fails verification", async () => {
    const [owner, other] = [randomTenant('whsec-a'), randomTenant('whsec-b')];
    await Promise.all([h.ledger.repositories.tenants.upsert(owner), h.ledger.repositories.tenants.upsert(other)]);
    const ownerSecret = (await h.ledger.repositories.webhookSecrets.rotate(owner, 0)).secret;
    const otherSecret = (await h.ledger.repositories.webhookSecrets.rotate(other, 0)).secret;
    const path = `/replay/${owner}`;
    const request = chatRequest(owner, { extra: { webhook: { url: `${receiver.url}${path}` } } });
    const eventId = lifecycleEventId(owner, request.id, 'completed');

    await h.produce([request]);
    const delivery = await h.waitFor(() => receiver.at(path).find((received) => received.headers['webhook-id'] === eventId), {
      timeoutMs: 60_000,
      description: `the webhook ${eventId}`,
    });

    expect(verifyStandardWebhook(delivery, ownerSecret)).toBe(true);
    // The same bytes and headers, replayed to the other tenant's receiver, which checks with its own secret:
    expect(verifyStandardWebhook(delivery, otherSecret)).toBe(false);
    // Nor does the shared development secret verify it.
    expect(verifyStandardWebhook(delivery, h.webhookSecret)).toBe(false);
  });

  it("answers the 101st request within a second over a key's limit with 429 and Retry-After, and only for that key", async () => {
    // The harness keeps the default limit: 100 requests a second per key.
    const busy = await h.ledger.issueApiKey(randomTenant('busy'));
    const calm = await h.ledger.issueApiKey(randomTenant('calm'));
    const get = (key: string, id: string): Promise<Response> => fetch(`${h.http.url}/v1/requests/${id}`, { headers: { authorization: `Bearer ${key}` } });
    // Sent at once, so they arrive well within one window: exactly one of them is over the limit.
    const replies = await Promise.all(Array.from({ length: 101 }, (_, index) => get(busy, `limit-${index}`)));
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 404)).toHaveLength(100);
    const over = replies.filter((reply) => reply.status === 429);
    expect(over).toHaveLength(1);
    expect(Number(over[0]!.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(await over[0]!.json()).toMatchObject({ error: { code: 'RATE_LIMITED' } });
    await Promise.all(replies.filter((reply) => reply.status !== 429).map((reply) => reply.arrayBuffer()));
    expect((await get(calm, 'limit-calm')).status).toBe(404);
  });
});
