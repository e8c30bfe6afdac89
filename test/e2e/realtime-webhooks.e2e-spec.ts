import { InferenceResultV1, LifecycleEventV1, lifecycleEventId, validateMessage } from '@sluice/contracts';
import { randomTenant } from '@sluice/testing';
import { SluiceHarness, WebhookReceiver, chatRequest, verifyStandardWebhook } from './support';

// The harness runs the result-notifier with NOTIFIER_WEBHOOK_MAX_ATTEMPTS=3 and a backoff of 100-400 ms.
const MAX_ATTEMPTS = 3;

/** Completion webhooks: signed the Standard Webhooks way, retried while the endpoint fails, then dead-lettered in the ledger. */
describe('realtime path: webhooks', () => {
  let h: SluiceHarness;
  let receiver: WebhookReceiver;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'realtime-webhooks' });
    receiver = await WebhookReceiver.start();
    receiver.respond('/failing', 500);
  }, 20 * 60_000);

  afterAll(async () => {
    await receiver?.stop();
    await h?.stop();
  }, 60_000);

  it('delivers the completion to the request’s webhook with a signature that verifies', async () => {
    const tenant = randomTenant('hook');
    const request = chatRequest(tenant, { extra: { webhook: { url: `${receiver.url}/ok` }, metadata: { order: '42' } } });
    const eventId = lifecycleEventId(tenant, request.id, 'completed');

    await h.produce([request]);
    const result = await h.awaitResult(tenant, request.id);
    const delivery = await h.waitFor(() => receiver.at('/ok').find((received) => received.headers['webhook-id'] === eventId), {
      timeoutMs: 30_000,
      description: `a webhook delivery with id ${eventId}`,
    });
    const record = await h.waitFor(
      async () => {
        const found = await h.ledger.repositories.webhookDeliveries.get(eventId);
        return found?.status === 'delivered' ? found : undefined;
      },
      { description: `the ledger to record ${eventId} as delivered` },
    );

    expect(verifyStandardWebhook(delivery, h.webhookSecret)).toBe(true);
    expect(verifyStandardWebhook({ ...delivery, body: delivery.body.replace(request.id, `${request.id}x`) }, h.webhookSecret)).toBe(false);
    expect(Math.abs(Number(delivery.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(300);
    expect(delivery.headers['content-type']).toContain('application/json');
    const payload = JSON.parse(delivery.body) as { type: string; data: { event: unknown; result: unknown } };
    expect(payload.type).toBe('request.completed');
    expect(validateMessage(LifecycleEventV1, payload.data.event)).toMatchObject({ ok: true });
    expect(payload.data.event).toMatchObject({ eventId, type: 'completed', requestId: request.id, tenant, metadata: { order: '42' } });
    expect(validateMessage(InferenceResultV1, payload.data.result)).toMatchObject({ ok: true });
    expect(payload.data.result).toMatchObject({ resultId: result.resultId, status: 'succeeded' });
    expect(record).toMatchObject({ attempts: 1, lastStatusCode: 200 });
    expect(receiver.at('/ok').filter((received) => received.headers['webhook-id'] === eventId)).toHaveLength(1);
  });

  it('retries a failing endpoint with the same event id and a fresh signature each time, then marks the delivery dead', async () => {
    const tenant = randomTenant('hook-fail');
    const request = chatRequest(tenant, { extra: { webhook: { url: `${receiver.url}/failing` } } });
    const eventId = lifecycleEventId(tenant, request.id, 'completed');

    await h.produce([request]);
    await h.awaitResult(tenant, request.id);
    const record = await h.waitFor(
      async () => {
        const found = await h.ledger.repositories.webhookDeliveries.get(eventId);
        return found?.status === 'dead' ? found : undefined;
      },
      { timeoutMs: 60_000, description: `the ledger to mark ${eventId} dead after ${MAX_ATTEMPTS} failed attempts` },
    );

    const attempts = receiver.at('/failing').filter((received) => received.headers['webhook-id'] === eventId);
    expect(attempts).toHaveLength(MAX_ATTEMPTS);
    for (const attempt of attempts) expect(verifyStandardWebhook(attempt, h.webhookSecret)).toBe(true);
    expect(new Set(attempts.map((attempt) => attempt.body)).size).toBe(1);
    expect(record).toMatchObject({ status: 'dead', attempts: MAX_ATTEMPTS, lastStatusCode: 500 });
    // The request itself is complete: a dead webhook does not undo the result.
    expect(await h.ledger.repositories.requests.get(tenant, request.id)).toMatchObject({ status: 'succeeded' });
  });
});
