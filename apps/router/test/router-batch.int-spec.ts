import { DlqHeaders, InferenceResultV1, LaneRequestV1, validateMessage } from '@sluice/contracts';
import { cacheContentHash } from '@sluice/ledger';
import { randomTenant, waitFor } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { type Decoded, RouterHarness } from './router.harness';

const WAIT = { timeoutMs: 30_000 };
const HOUR = 3_600_000;

function accepted(tenant: string, id: string, options: { content?: string; deadlineInMs: number; notBeforeInMs?: number }) {
  const receivedAt = new Date();
  return {
    request: {
      id,
      tenant,
      provider: 'openai',
      operation: 'chat',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: options.content ?? `Hello ${randomUUID()}` }], max_tokens: 50 },
      mode: 'auto',
      stream: false,
      cache: true,
      ...(options.notBeforeInMs === undefined ? {} : { notBefore: new Date(receivedAt.getTime() + options.notBeforeInMs).toISOString() }),
    },
    receivedAt: receivedAt.toISOString(),
    deadline: new Date(receivedAt.getTime() + options.deadlineInMs).toISOString(),
    source: 'kafka',
  };
}

function idOf(message: Decoded): string {
  const value = message.value as { id?: string; requestId?: string; request?: { id: string } };
  return value.request?.id ?? value.requestId ?? value.id ?? '';
}

describe('router, a batch at a time, on the real broker and database', () => {
  let h: RouterHarness;

  beforeAll(async () => {
    h = await RouterHarness.start({});
  }, 120_000);

  afterAll(async () => {
    await h?.close();
  });

  it('routes a mixed batch, urgent topic included: every request reaches exactly one place once, nothing lost or doubled', async () => {
    const tenant = randomTenant('mixed');
    const cachedContent = `cached ${randomUUID()}`;
    const sharedContent = `shared ${randomUUID()}`;
    await h.ledger.cache.put({
      tenant,
      contentHash: cacheContentHash('openai', 'chat', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: cachedContent }], max_tokens: 50 }),
      provider: 'openai',
      model: 'gpt-4o-mini',
      result: { response: { id: 'chatcmpl-cached', object: 'chat.completion', choices: [] }, usage: { inputTokens: 9, outputTokens: 2 } },
      sourceRequestId: 'earlier',
      expiresAt: new Date(Date.now() + HOUR),
    });
    const bulk = Array.from({ length: 20 }, (_, i) => accepted(tenant, `bulk-${i}`, { deadlineInMs: 48 * HOUR }));
    const urgent = Array.from({ length: 5 }, (_, i) => accepted(tenant, `urgent-${i}`, { deadlineInMs: 20_000 }));
    const hit = accepted(tenant, 'hit', { content: cachedContent, deadlineInMs: 48 * HOUR });
    const held = accepted(tenant, 'held', { deadlineInMs: 48 * HOUR, notBeforeInMs: HOUR });
    const leader = accepted(tenant, 'leader', { content: sharedContent, deadlineInMs: 48 * HOUR });
    const follower = accepted(tenant, 'follower', { content: sharedContent, deadlineInMs: 48 * HOUR });
    const stranger = accepted(tenant, 'stranger', { deadlineInMs: 48 * HOUR });
    const invalid = { request: { id: 'invalid', tenant, provider: 'openai' }, receivedAt: 'yesterday' };
    const twice = bulk[0]!;

    await h.submitMany([
      ...bulk.map((value) => ({ value, key: value.request.id })),
      // A redelivered copy: same key, so the same partition and fetched batch as the first.
      { value: twice, key: twice.request.id, record: false },
      ...urgent.map((value) => ({ value, key: value.request.id, urgent: true })),
      { value: hit, key: 'hit' },
      { value: held, key: 'held' },
      { value: leader, key: 'shared' },
      { value: follower, key: 'shared' },
      { value: stranger, key: 'stranger', record: false },
      { value: invalid, key: 'invalid' },
    ]);

    const routedOrQueued = (): Decoded[] => h.on('events', tenant).filter((e) => e.value.type === 'routed' || e.value.type === 'queued');
    // 20 bulk, 5 urgent, the hit, the leader: routed; the follower: queued; the held one: routed and queued.
    await waitFor(() => routedOrQueued().length >= 29, { ...WAIT, description: 'every request routed or queued' });
    await waitFor(() => h.on('deadLetter', tenant).length >= 2, { ...WAIT, description: 'the two dead letters' });
    const onLane = (lane: 'batch' | 'realtime' | 'async') => h.on(lane, tenant).map(idOf).sort();
    // The events and the lane topics are read by consumers of their own: an event read says its lane
    // message was sent, not that this spec has read it yet.
    await waitFor(() => onLane('batch').length >= bulk.length + 1 && onLane('realtime').length >= urgent.length, {
      ...WAIT,
      description: 'the lane messages of every routed request',
    });
    expect(onLane('batch')).toEqual([...bulk.map((a) => a.request.id), 'leader'].sort());
    expect(onLane('realtime')).toEqual(urgent.map((a) => a.request.id).sort());
    expect(onLane('async')).toEqual([]);
    for (const message of h.on('realtime', tenant)) expect(validateMessage(LaneRequestV1, message.value).ok).toBe(true);

    const results = h.on('results', tenant);
    expect(results.map(idOf)).toEqual(['hit']);
    expect(validateMessage(InferenceResultV1, results[0]!.value)).toMatchObject({ ok: true, value: { status: 'succeeded', lane: 'cache' } });

    const events = h
      .on('events', tenant)
      .map((e) => `${e.value.type as string}:${idOf(e)}`)
      .sort();
    expect(events).toEqual(
      [...[...bulk, ...urgent].map((a) => `routed:${a.request.id}`), 'routed:hit', 'routed:held', 'queued:held', 'routed:leader', 'queued:follower'].sort(),
    );

    const deadLetters = h.on('deadLetter', tenant);
    expect(deadLetters.map(idOf).sort()).toEqual(['invalid', 'stranger']);
    expect(deadLetters.find((m) => idOf(m) === 'stranger')?.headers[DlqHeaders.ErrorCode]).toBe('REQUEST_NOT_IN_LEDGER');

    expect(await h.ledger.requests.get(tenant, 'held')).toMatchObject({ status: 'queued', lane: 'batch' });
    expect(await h.ledger.scheduledLaneMessages.get(tenant, 'held')).toMatchObject({ lane: 'batch', releasedAt: null });
    expect(await h.ledger.requests.get(tenant, 'follower')).toMatchObject({ status: 'queued', lane: 'cache', decisionReason: 'coalesced:leader' });
    expect(await h.ledger.requests.get(tenant, 'urgent-0')).toMatchObject({ status: 'routed', lane: 'realtime' });
  });
});
