import { AcceptedRequestV1, DlqHeaders, ErrorCode, InferenceResultV1, LaneRequestV1, LifecycleEventV1, validateMessage } from '@sluice/contracts';
import { cacheContentHash, requestRecordFromAccepted } from '@sluice/ledger';
import { randomTenant, waitFor } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { buildRouterApp, type Decoded, RouterHarness, writePolicyFile } from './router.harness';

const WAIT = { timeoutMs: 30_000 };
const HOUR = 3_600_000;
const BUDGET_TENANT = randomTenant('budget');

function chatBody(text: string): Record<string, unknown> {
  return { model: 'gpt-4o-mini', messages: [{ role: 'user', content: text }], max_tokens: 50 };
}

function acceptedRequest(tenant: string, options: { id?: string; body?: Record<string, unknown>; deadlineInMs?: number; deadline?: string } = {}) {
  const receivedAt = new Date();
  const deadline = options.deadline ?? new Date(receivedAt.getTime() + (options.deadlineInMs ?? 20_000)).toISOString();
  return {
    request: {
      id: options.id ?? `req-${randomUUID()}`,
      tenant,
      provider: 'openai',
      operation: 'chat',
      body: options.body ?? chatBody(`Hello ${randomUUID()}`),
      mode: 'auto',
      stream: false,
      cache: true,
      metadata: { suite: 'router' },
    },
    receivedAt: receivedAt.toISOString(),
    deadline,
    source: 'kafka',
  };
}

function valid<T extends object>(cls: new () => T, message: Decoded): T {
  const outcome = validateMessage(cls, message.value);
  if (!outcome.ok) throw new Error(`not a valid ${cls.name}: ${JSON.stringify(outcome.errors)}`);
  return outcome.value;
}

function byType(events: Decoded[], type: string): Decoded[] {
  return events.filter((event) => event.value.type === type);
}

describe('router on the real broker and database', () => {
  let h: RouterHarness;

  beforeAll(async () => {
    h = await RouterHarness.start({ tenants: { [BUDGET_TENANT]: { dailyBudgetUsd: 0.000001 } } });
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('sends a request with a day of slack to the batch lane, records the decision and emits routed', async () => {
    const tenant = randomTenant();
    const { request } = await h.submit(acceptedRequest(tenant, { deadlineInMs: 24 * HOUR }));

    const [laneMessage] = await waitFor(() => (h.on('batch', tenant).length > 0 ? h.on('batch', tenant) : undefined), {
      ...WAIT,
      description: 'the batch lane request',
    });
    expect(laneMessage.key).toBe(request.id);
    expect(laneMessage.headers['x-request-id']).toBe(request.id);
    const lane = valid(LaneRequestV1, laneMessage);
    expect(lane.request).toEqual(request);
    expect(lane.routing).toMatchObject({ lane: 'batch', reason: 'slack-allows-batch', attempt: 1 });
    expect(lane.routing.estimatedCostUsd).toBeLessThan(lane.routing.realtimeCostUsd);

    const routed = await waitFor(() => byType(h.on('events', tenant), 'routed')[0], { ...WAIT, description: 'the routed event' });
    expect(valid(LifecycleEventV1, routed)).toMatchObject({ requestId: request.id, lane: 'batch', reason: 'slack-allows-batch' });
    expect(h.on('realtime', tenant)).toEqual([]);

    const record = await h.ledger.requests.get(tenant, request.id);
    expect(record).toMatchObject({ status: 'routed', lane: 'batch', decisionReason: 'slack-allows-batch', estimatedCostUsd: lane.routing.estimatedCostUsd });
    expect(record?.cacheKey).toEqual({ scope: tenant, contentHash: cacheContentHash('openai', 'chat', request.body) });
    expect(await h.metrics()).toMatch(/sluice_router_decisions_total\{lane="batch",reason="slack-allows-batch",service="router"\} [1-9]/);
  });

  it('sends a request with seconds of slack to the realtime lane', async () => {
    const tenant = randomTenant();
    const { request } = await h.submit(acceptedRequest(tenant, { deadlineInMs: 20_000 }));

    const [laneMessage] = await waitFor(() => (h.on('realtime', tenant).length > 0 ? h.on('realtime', tenant) : undefined), {
      ...WAIT,
      description: 'the realtime lane request',
    });
    expect(valid(LaneRequestV1, laneMessage).routing).toMatchObject({ lane: 'realtime', reason: 'slack-needs-realtime' });
    await waitFor(() => byType(h.on('events', tenant), 'routed').length === 1, { ...WAIT, description: 'the routed event' });
    expect((await h.ledger.requests.get(tenant, request.id))?.lane).toBe('realtime');
  });

  it('answers a cached request itself: a free result with lane cache, and nothing on a lane', async () => {
    const tenant = randomTenant();
    const body = chatBody('What is the capital of France?');
    const usage = { inputTokens: 12, outputTokens: 3 };
    await h.ledger.cache.put({
      tenant,
      contentHash: cacheContentHash('openai', 'chat', body),
      provider: 'openai',
      model: 'gpt-4o-mini',
      result: {
        resultId: `${tenant}.earlier.realtime.1`,
        response: { id: 'chatcmpl-cached', object: 'chat.completion', choices: [] },
        usage,
        realtimeUsd: 0.0000036,
      },
      sourceRequestId: 'earlier',
      expiresAt: new Date(Date.now() + HOUR),
    });
    const { request } = await h.submit(acceptedRequest(tenant, { body }));

    const [message] = await waitFor(() => (h.on('results', tenant).length > 0 ? h.on('results', tenant) : undefined), {
      ...WAIT,
      description: 'the cached result',
    });
    const result = valid(InferenceResultV1, message);
    expect(result).toMatchObject({
      id: request.id,
      tenant,
      resultId: `${tenant}.${request.id}.cache.1`,
      status: 'succeeded',
      lane: 'cache',
      response: { id: 'chatcmpl-cached' },
      usage,
      cost: { usd: 0 },
      deadlineMet: true,
    });
    expect(result.cost.realtimeUsd).toBeGreaterThan(0);
    expect(result.cost.savedUsd).toBe(result.cost.realtimeUsd);
    const routed = await waitFor(() => byType(h.on('events', tenant), 'routed')[0], { ...WAIT, description: 'the routed event' });
    expect(routed.value).toMatchObject({ lane: 'cache', reason: 'cache-hit' });
    expect([...h.on('realtime', tenant), ...h.on('async', tenant), ...h.on('batch', tenant)]).toEqual([]);
  });

  it('sends one of many identical concurrent requests to a lane and queues the others behind it', async () => {
    const tenant = randomTenant();
    const body = chatBody(`Summarise ${randomUUID()}`);
    const deadline = new Date(Date.now() + 20_000).toISOString();
    const copies = 6;
    const submitted = await Promise.all(Array.from({ length: copies }, () => h.submit(acceptedRequest(tenant, { body, deadline }))));

    await waitFor(() => byType(h.on('events', tenant), 'routed').length + byType(h.on('events', tenant), 'queued').length === copies, {
      ...WAIT,
      description: 'every copy to be routed or queued',
    });
    const routed = byType(h.on('events', tenant), 'routed');
    const queued = byType(h.on('events', tenant), 'queued');
    expect(routed).toHaveLength(1);
    expect(queued).toHaveLength(copies - 1);
    const leaderId = routed[0].value.requestId as string;
    await waitFor(() => h.on('realtime', tenant).length === 1, { ...WAIT, description: "the leader's lane request" });
    expect((h.on('realtime', tenant)[0].value.request as { id: string }).id).toBe(leaderId);
    for (const event of queued) expect(valid(LifecycleEventV1, event)).toMatchObject({ lane: 'cache', reason: `coalesced:${leaderId}` });
    const followers = submitted.map((a) => a.request.id).filter((id) => id !== leaderId);
    for (const id of followers) expect(await h.ledger.requests.get(tenant, id)).toMatchObject({ status: 'queued', lane: 'cache' });
  });

  it('answers a tenant over its daily budget with a failed result', async () => {
    const { request } = await h.submit(acceptedRequest(BUDGET_TENANT, { deadlineInMs: 20_000 }));

    const [message] = await waitFor(() => (h.on('results', BUDGET_TENANT).length > 0 ? h.on('results', BUDGET_TENANT) : undefined), {
      ...WAIT,
      description: 'the refusal',
    });
    expect(valid(InferenceResultV1, message)).toMatchObject({
      id: request.id,
      status: 'failed',
      lane: 'cache',
      error: { code: ErrorCode.BUDGET_EXCEEDED, retryable: true },
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    });
    expect(h.on('realtime', BUDGET_TENANT)).toEqual([]);
  });

  it('answers a model the pricing catalog does not know with a failed result', async () => {
    const tenant = randomTenant();
    await h.submit(acceptedRequest(tenant, { body: { model: 'gpt-unheard-of', messages: [] } }));
    const [message] = await waitFor(() => (h.on('results', tenant).length > 0 ? h.on('results', tenant) : undefined), { ...WAIT, description: 'the refusal' });
    expect(valid(InferenceResultV1, message).error).toMatchObject({ code: ErrorCode.MODEL_UNKNOWN, retryable: false });
  });

  it('waits out a database that refuses connections, dead-letters nothing, and routes the request once it is back', async () => {
    const tenant = randomTenant();
    const accepted = acceptedRequest(tenant, { deadlineInMs: 24 * HOUR });
    const checked = validateMessage(AcceptedRequestV1, accepted);
    if (!checked.ok) throw new Error(JSON.stringify(checked.errors));
    await h.ledger.requests.insert(requestRecordFromAccepted(checked.value));
    const retriesBefore = h.retries();
    const reopen = await h.closeDatabase();
    try {
      await h.submit(accepted, { record: false });
      // Past the retry budget (three retries) that a failing message gets before it is dead-lettered.
      await waitFor(() => h.retries() >= retriesBefore + 5, { timeoutMs: 60_000, description: 'the router to retry past its retry budget' });
    } finally {
      await reopen();
    }
    await waitFor(() => h.on('batch', tenant).length === 1, { timeoutMs: 60_000, description: 'the lane message once the database is back' });
    expect(h.on('deadLetter', tenant)).toEqual([]);
    expect(await h.ledger.requests.get(tenant, checked.value.request.id)).toMatchObject({ status: 'routed', lane: 'batch' });
  });

  it('dead-letters a request that is not in its ledger instead of routing it', async () => {
    const tenant = randomTenant();
    await h.submit(acceptedRequest(tenant), { record: false });
    const [message] = await waitFor(() => (h.on('deadLetter', tenant).length > 0 ? h.on('deadLetter', tenant) : undefined), {
      ...WAIT,
      description: 'the dead letter',
    });
    expect(message.headers[DlqHeaders.ErrorCode]).toBe('REQUEST_NOT_IN_LEDGER');
    expect(h.on('events', tenant)).toEqual([]);
  });
});

describe('router boot', () => {
  it('fails when the policy file is invalid, naming the file and the setting', async () => {
    const file = writePolicyFile({ tenants: { acme: { dailyBudgetUsd: 'lots' } } });
    try {
      await expect(buildRouterApp({ ROUTING_POLICY_FILE: file.path })).rejects.toThrow(
        `routing policy ${file.path} is invalid: tenants.acme.dailyBudgetUsd must be a positive number`,
      );
    } finally {
      file.remove();
    }
  });

  it('fails when the policy file is missing, naming the path', async () => {
    await expect(buildRouterApp({ ROUTING_POLICY_FILE: '/nonexistent/routing-policy.json' })).rejects.toThrow(
      /^routing policy \/nonexistent\/routing-policy\.json cannot be read: ENOENT/,
    );
  });
});
