import { INTERNAL_SIGNATURE_HEADER, resultIdFor, Topics } from '@sluice/contracts';
import { sampleLaneRequest, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { MessageSigner } from '@sluice/kafka';
import { randomTenant } from '@sluice/testing';
import { chatRequest, SluiceHarness, WebhookReceiver } from './support';
import type { EventValue } from './support/sluice.harness';

/**
 * The trust boundaries on the real broker and database: who may speak for a tenant on Kafka, results
 * only Sluice's services may produce, and replyTo topics per tenant.
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
});
