import { AcceptedRequestV1, LaneRequestV1, LifecycleEventV1, validateMessage } from '@sluice/contracts';
import { requestRecordFromAccepted } from '@sluice/ledger';
import { randomTenant, waitFor } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { type Decoded, RouterHarness } from './router.harness';

const WAIT = { timeoutMs: 30_000 };
const HOUR = 3_600_000;

/** A request with a day of slack (the batch lane) that may not start for `notBeforeInMs`. */
function offPeakRequest(tenant: string, notBeforeInMs: number) {
  const receivedAt = new Date();
  return {
    request: {
      id: `req-${randomUUID()}`,
      tenant,
      provider: 'openai',
      operation: 'chat',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Nightly digest ${randomUUID()}` }], max_tokens: 50 },
      mode: 'auto',
      notBefore: new Date(receivedAt.getTime() + notBeforeInMs).toISOString(),
      stream: false,
      cache: true,
    },
    receivedAt: receivedAt.toISOString(),
    deadline: new Date(receivedAt.getTime() + 24 * HOUR).toISOString(),
    source: 'kafka',
  };
}

function valid<T extends object>(cls: new () => T, message: Decoded): T {
  const outcome = validateMessage(cls, message.value);
  if (!outcome.ok) throw new Error(`not a valid ${cls.name}: ${JSON.stringify(outcome.errors)}`);
  return outcome.value;
}

describe('router off-peak holds on the real broker and database', () => {
  let h: RouterHarness;

  beforeAll(async () => {
    h = await RouterHarness.start({}, { ROUTER_OFFPEAK_POLL_MS: '200' });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  const onBatchLane = (tenant: string, requestId: string): Decoded[] =>
    h.on('batch', tenant).filter((m) => (m.value.request as { id: string }).id === requestId);

  /** Everything the router sent before a later held request reached the (one-partition) lane topic has been read. */
  async function drainBatchLane(tenant: string): Promise<void> {
    const { request } = await h.submit(offPeakRequest(tenant, 500));
    await waitFor(() => onBatchLane(tenant, request.id).length > 0, { ...WAIT, description: 'a later held request on the batch lane' });
  }

  async function waitUntilHeld(tenant: string, requestId: string): Promise<Decoded[]> {
    return waitFor(
      () => {
        const events = h.on('events', tenant).filter((e) => e.value.requestId === requestId);
        return events.length >= 2 ? events : undefined;
      },
      { ...WAIT, description: 'the routed and queued events' },
    );
  }

  it('keeps a request off its lane until notBefore, then sends it once; it says routed, then queued', async () => {
    const tenant = randomTenant('offpeak');
    const { request } = await h.submit(offPeakRequest(tenant, 3_000));
    const notBeforeMs = Date.parse(request.notBefore as string);

    const events = await waitUntilHeld(tenant, request.id);
    expect(events.map((e) => e.value.type)).toEqual(['routed', 'queued']);
    expect(valid(LifecycleEventV1, events[0])).toMatchObject({ lane: 'batch', reason: 'slack-allows-batch' });
    expect(valid(LifecycleEventV1, events[1])).toMatchObject({
      eventId: `${tenant}.${request.id}.queued.not-before`,
      lane: 'batch',
      reason: `not-before:${new Date(notBeforeMs).toISOString()}`,
    });
    expect(await h.ledger.requests.get(tenant, request.id)).toMatchObject({ status: 'queued', lane: 'batch', decisionReason: 'slack-allows-batch' });
    expect(await h.ledger.scheduledLaneMessages.get(tenant, request.id)).toMatchObject({ lane: 'batch', releaseAt: new Date(notBeforeMs), releasedAt: null });

    const [laneMessage] = await waitFor(() => (onBatchLane(tenant, request.id).length > 0 ? onBatchLane(tenant, request.id) : undefined), {
      ...WAIT,
      description: 'the lane request after notBefore',
    });
    // The broker's record time is the router's clock when it sent the message: not before notBefore.
    expect(Number(laneMessage.timestamp)).toBeGreaterThanOrEqual(notBeforeMs);
    expect(laneMessage.key).toBe(request.id);
    expect(laneMessage.headers['x-request-id']).toBe(request.id);
    const lane = valid(LaneRequestV1, laneMessage);
    expect(lane.request).toEqual(request);
    expect(lane.routing).toMatchObject({ lane: 'batch', reason: 'slack-allows-batch', attempt: 1 });

    await waitFor(async () => (await h.ledger.scheduledLaneMessages.get(tenant, request.id))?.releasedAt, { ...WAIT, description: 'the hold marked released' });
    expect(await h.ledger.scheduledLaneMessages.get(tenant, request.id)).toMatchObject({ message: null, attempts: 1 });
    expect(await h.ledger.requests.get(tenant, request.id)).toMatchObject({ status: 'routed', lane: 'batch' });
    await drainBatchLane(tenant);
    expect(onBatchLane(tenant, request.id)).toHaveLength(1);
    expect(h.on('events', tenant).filter((e) => e.value.requestId === request.id)).toHaveLength(2);
    // Counted by the consumer after the handler returned, which is after its events were sent.
    await waitFor(async () => /sluice_router_held_total\{service="router"\} [1-9]/.test(await h.metrics()), { ...WAIT, description: 'the hold counted' });
  });

  it('still sends a held request after the router holding it was stopped and another started', async () => {
    const tenant = randomTenant('offpeak');
    const { request } = await h.submit(offPeakRequest(tenant, 3_000));
    const notBeforeMs = Date.parse(request.notBefore as string);
    await waitUntilHeld(tenant, request.id);

    await h.restartRouter();
    // The instance that held it is gone before notBefore: nothing of the hold was left but the ledger row.
    expect((await h.ledger.scheduledLaneMessages.get(tenant, request.id))?.releasedAt).toBeNull();
    expect(onBatchLane(tenant, request.id)).toEqual([]);

    const [laneMessage] = await waitFor(() => (onBatchLane(tenant, request.id).length > 0 ? onBatchLane(tenant, request.id) : undefined), {
      ...WAIT,
      description: 'the lane request from the restarted router',
    });
    expect(Number(laneMessage.timestamp)).toBeGreaterThanOrEqual(notBeforeMs);
    expect(valid(LaneRequestV1, laneMessage).request).toEqual(request);
    await waitFor(async () => (await h.ledger.scheduledLaneMessages.get(tenant, request.id))?.releasedAt, { ...WAIT, description: 'the hold marked released' });
    // The scheduler counts a release once its transaction has committed, which is after the lane message is
    // on the topic (the collector may read it first) and after the row reads as released (this process may
    // read that before the router's own commit call returns): the count follows both, so wait for it.
    await waitFor(async () => /sluice_router_released_total\{outcome="published",service="router"\} [1-9]/.test(await h.metrics()), {
      ...WAIT,
      description: 'the release counted by the restarted router',
    });
    await drainBatchLane(tenant);
    expect(onBatchLane(tenant, request.id)).toHaveLength(1);
  });

  it('holds a redelivered request once: the same decision, the same events, one lane message', async () => {
    const tenant = randomTenant('offpeak');
    const accepted = offPeakRequest(tenant, 4_000);
    await h.submit(accepted);
    await waitUntilHeld(tenant, accepted.request.id);
    // The same accepted message again, as Kafka redelivers it after a crash before the commit.
    await h.submit(accepted, { record: false });
    await waitFor(() => h.on('events', tenant).filter((e) => e.value.requestId === accepted.request.id).length === 4, {
      ...WAIT,
      description: 'the events emitted again',
    });
    const events = h.on('events', tenant).filter((e) => e.value.requestId === accepted.request.id);
    expect(events.map((e) => e.value.eventId)).toEqual([
      `${tenant}.${accepted.request.id}.routed`,
      `${tenant}.${accepted.request.id}.queued.not-before`,
      `${tenant}.${accepted.request.id}.routed`,
      `${tenant}.${accepted.request.id}.queued.not-before`,
    ]);
    expect(events[2].value).toEqual(events[0].value);
    expect(events[3].value).toEqual(events[1].value);
    // Still held when the copy was handled: it was held again, not sent as a routed request would be.
    expect((await h.ledger.scheduledLaneMessages.get(tenant, accepted.request.id))?.releasedAt).toBeNull();

    await waitFor(async () => (await h.ledger.scheduledLaneMessages.get(tenant, accepted.request.id))?.releasedAt, {
      ...WAIT,
      description: 'the hold released',
    });
    await drainBatchLane(tenant);
    expect(onBatchLane(tenant, accepted.request.id)).toHaveLength(1);
  });

  it('sends the due messages next to one the broker refuses, and holds that one for a retry', async () => {
    const tenant = randomTenant('offpeak');
    /** A request recorded and held as the router does it, already due. */
    async function heldDue(content: string): Promise<string> {
      const plain = offPeakRequest(tenant, 60_000);
      plain.request.body.messages[0].content = content;
      const checked = validateMessage(AcceptedRequestV1, plain);
      if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
      const accepted = checked.value;
      const routing = {
        lane: 'batch' as const,
        reason: 'slack-allows-batch',
        estimatedCostUsd: 0,
        realtimeCostUsd: 0,
        routedAt: accepted.receivedAt,
        attempt: 1,
      };
      await h.ledger.requests.insert(requestRecordFromAccepted(accepted));
      await h.ledger.requests.recordRouting(tenant, accepted.request.id, { ...routing, routedAt: new Date(accepted.receivedAt) }, 'queued');
      await h.ledger.scheduledLaneMessages.hold({
        tenant,
        requestId: accepted.request.id,
        lane: 'batch',
        releaseAt: new Date(),
        message: { ...accepted, routing },
      });
      return accepted.request.id;
    }
    // Over the broker's default message.max.bytes (1 MiB): refused whatever the retries.
    const tooLarge = await heldDue('x'.repeat(1_200_000));
    const fine = await heldDue('a digest that fits');

    await waitFor(() => onBatchLane(tenant, fine).length === 1, { ...WAIT, description: 'the message that fits on the lane' });
    const refused = await waitFor(
      async () => {
        const row = await h.ledger.scheduledLaneMessages.get(tenant, tooLarge);
        return row && row.attempts > 0 ? row : undefined;
      },
      { ...WAIT, description: 'the refused message put back on hold' },
    );
    expect(refused).toMatchObject({ releasedAt: null, lastError: expect.stringMatching(/larger than the max message size/) });
    expect(refused.releaseAt.getTime()).toBeGreaterThan(Date.now());
    expect(await h.ledger.requests.get(tenant, tooLarge)).toMatchObject({ status: 'queued' });
    expect(await h.metrics()).toMatch(/sluice_router_released_total\{outcome="retried",service="router"\} [1-9]/);
  });
});
