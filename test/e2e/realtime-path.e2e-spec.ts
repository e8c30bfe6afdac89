import { ErrorCode, InferenceResultV1, LifecycleEventV1, StreamChunkV1, Topics, lifecycleEventId, resultIdFor, validateMessage } from '@sluice/contracts';
import { randomTenant } from '@sluice/testing';
import { CHAT_MODEL, SluiceHarness, chatRequest, completionText, newRequestId } from './support';

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * The realtime path over Kafka, across all five services and the provider emulator: a request
 * produced to sluice.requests.v1 comes back as one result, on the results topic and its replyTo,
 * with its lifecycle in order; streamed tokens; bad input; a rate-limit storm.
 */
describe('realtime path (Kafka in, Kafka out)', () => {
  let h: SluiceHarness;

  beforeAll(async () => {
    h = await SluiceHarness.start({ name: 'realtime-path' });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
  }, 60_000);

  /** Counts that must be exact, with who else consumes Sluice's topics when they are not. */
  async function expectExactly(what: string, actual: number, expected: number): Promise<void> {
    if (actual === expected) return;
    const foreign = await h.foreignConsumers();
    throw new Error(
      `expected exactly ${expected} ${what}, saw ${actual}` +
        (foreign.length > 0 ? `\nother consumers of Sluice topics were active and may have handled this run's messages too:\n${foreign.join('\n')}` : ''),
    );
  }

  it('turns one produced request into exactly one result on sluice.results.v1 and on its replyTo, with accepted, routed and completed in order', async () => {
    const tenant = randomTenant('path');
    const replyTo = await h.createTopic('reply');
    const replies = await h.collect(replyTo);
    const request = chatRequest(tenant, { outputTokens: 12, extra: { mode: 'auto', maxLatencyMs: 30_000, replyTo, metadata: { suite: 'realtime-path' } } });

    await h.produce([request]);
    const result = await h.awaitResult(tenant, request.id);
    await h.waitFor(() => replies.messages.length > 0, { timeoutMs: 30_000, description: `the result on replyTo ${replyTo}` });
    await h.awaitEvent(tenant, request.id, 'completed');
    await h.quiesce();

    const checked = validateMessage(InferenceResultV1, result);
    expect(checked).toMatchObject({ ok: true });
    expect(result).toMatchObject({
      id: request.id,
      tenant,
      resultId: resultIdFor(tenant, request.id, 'realtime'),
      status: 'succeeded',
      lane: 'realtime',
      provider: 'openai',
      metadata: { suite: 'realtime-path' },
    });
    expect(String(result.model)).toContain(CHAT_MODEL);
    expect(result.usage).toMatchObject({ outputTokens: 12 });
    expect(completionText(result.response)?.split(' ')).toHaveLength(12);
    expect(result.cost).toMatchObject({ usd: expect.any(Number), realtimeUsd: expect.any(Number) });
    expect((result.cost as { usd: number }).usd).toBeGreaterThan(0);
    expect(result.deadlineMet).toBe(true);

    const onResults = h.tap.forRequest(tenant, request.id, Topics.Results);
    await expectExactly(`result(s) on ${Topics.Results}`, onResults.length, 1);
    expect(onResults[0]?.key).toBe(request.id);
    await expectExactly(`result(s) on replyTo ${replyTo}`, replies.messages.length, 1);
    expect(replies.messages[0]?.value).toEqual(result);
    expect(replies.messages[0]?.key).toBe(request.id);
    // A 30 s deadline needs the realtime lane: it travels on the urgent accepted topic only.
    await expectExactly(`message(s) on ${Topics.AcceptedUrgent}`, h.tap.forRequest(tenant, request.id, Topics.AcceptedUrgent).length, 1);
    expect(h.tap.forRequest(tenant, request.id, Topics.Accepted)).toHaveLength(0);
    await expectExactly(`message(s) on ${Topics.LaneRealtime}`, h.tap.forRequest(tenant, request.id, Topics.LaneRealtime).length, 1);

    const events = h.tap.forRequest(tenant, request.id, Topics.Events);
    const types = events.map((event) => (event.value as { type: string }).type);
    expect(types).toEqual(['accepted', 'routed', 'completed']);
    for (const event of events) {
      expect(event.key).toBe(request.id);
      expect(validateMessage(LifecycleEventV1, event.value)).toMatchObject({ ok: true });
      const value = event.value as { type: LifecycleEventV1['type']; eventId: string };
      expect(value.eventId).toBe(lifecycleEventId(tenant, request.id, value.type));
    }
    expect(events[1]?.value).toMatchObject({ lane: 'realtime', reason: expect.any(String) });
    expect(events[2]?.value).toMatchObject({ lane: 'realtime', resultId: result.resultId });
  });

  it('streams token chunks in order on sluice.stream.v1 that reassemble to the final text', async () => {
    const tenant = randomTenant('stream');
    const request = chatRequest(tenant, { outputTokens: 40, extra: { stream: true } });

    await h.produce([request]);
    const result = await h.awaitResult(tenant, request.id);
    await h.waitFor(() => h.tap.values<{ final: boolean }>(tenant, request.id, Topics.Stream).some((chunk) => chunk.final), {
      description: `the final stream chunk of ${request.id}`,
    });
    await h.quiesce();

    expect(result).toMatchObject({ status: 'succeeded', lane: 'realtime' });
    const messages = h.tap.forRequest(tenant, request.id, Topics.Stream);
    const chunks = messages.map((message) => message.value as StreamChunkV1);
    for (const message of messages) {
      expect(message.key).toBe(request.id);
      expect(validateMessage(StreamChunkV1, message.value)).toMatchObject({ ok: true });
    }
    expect(chunks.map((chunk) => chunk.seq)).toEqual(chunks.map((_, index) => index));
    expect(chunks.filter((chunk) => chunk.final)).toHaveLength(1);
    expect(chunks.at(-1)?.final).toBe(true);
    expect(result.chunks).toBe(chunks.length);
    expect(chunks.filter((chunk) => chunk.delta !== '').length).toBeGreaterThan(1);
    const text = completionText(result.response);
    expect(text?.split(' ')).toHaveLength(40);
    expect(chunks.map((chunk) => chunk.delta).join('')).toBe(text);
  });

  it('rejects an invalid request naming the field, dead-letters an unreadable one, and the requests behind them flow', async () => {
    const tenant = randomTenant('invalid');
    const before = chatRequest(tenant);
    const invalid = chatRequest(tenant, { extra: { provider: 'cohere' } });
    const unreadableKey = newRequestId('garbage');
    const unreadable = `{"tenant": "${tenant}", "this is not": json`;
    const after = chatRequest(tenant);

    // One partition, in this order: the bad messages sit between two good ones.
    await h.produce([before, invalid], { partition: 0 });
    await h.produceRaw([{ key: unreadableKey, value: unreadable, partition: 0 }]);
    await h.produce([after], { partition: 0 });

    const [first, last] = await Promise.all([h.awaitResult(tenant, before.id), h.awaitResult(tenant, after.id)]);
    const rejected = await h.awaitEvent(tenant, invalid.id, 'rejected');
    const dead = await h.waitFor(() => h.tap.on(Topics.Dlq).find((message) => message.key === unreadableKey), {
      description: `the unreadable message on ${Topics.Dlq}`,
    });
    await h.quiesce();

    expect(first).toMatchObject({ status: 'succeeded' });
    expect(last).toMatchObject({ status: 'succeeded' });
    expect(validateMessage(LifecycleEventV1, rejected)).toMatchObject({ ok: true });
    expect(rejected).toMatchObject({ requestId: invalid.id, tenant, error: { field: 'provider' } });
    // A stable id: the step's id, optionally with a discriminator (lifecycleEventId's fourth argument).
    expect(rejected.eventId).toMatch(new RegExp(`^${escapeRegExp(lifecycleEventId(tenant, invalid.id, 'rejected'))}(\\.[A-Za-z0-9_:-]+)?$`));
    expect(Object.values(ErrorCode)).toContain((rejected.error as { code: string }).code);
    expect(h.tap.forRequest(tenant, invalid.id, Topics.Results)).toHaveLength(0);
    expect(h.tap.forRequest(tenant, invalid.id, Topics.Accepted)).toHaveLength(0);
    expect(h.tap.forRequest(tenant, invalid.id, Topics.AcceptedUrgent)).toHaveLength(0);

    expect(dead.raw).toBe(unreadable);
    expect(dead.headers).toMatchObject({
      'x-sluice-error-code': ErrorCode.INVALID_JSON,
      'x-sluice-original-topic': Topics.Requests,
      'x-sluice-original-partition': '0',
      'x-sluice-original-offset': expect.stringMatching(/^\d+$/),
      'x-sluice-error-message': expect.any(String),
    });
  });

  it('absorbs a storm of provider 429s without losing a request', async () => {
    const tenant = randomTenant('storm');
    const requests = Array.from({ length: 10 }, () => chatRequest(tenant, { extra: { maxLatencyMs: 120_000 } }));
    const billedBefore = await h.emulator.billedCalls(h.providerKeys.openai);
    // More 429s than requests: every request is refused at least once, most of them twice.
    await h.emulator.armFault(CHAT_MODEL, '429', 20);

    await h.produce(requests);
    const results = await Promise.all(requests.map((request) => h.awaitResult(tenant, request.id, 120_000)));
    await h.quiesce();

    expect(results.filter((result) => result.status !== 'succeeded')).toEqual([]);
    const faults = await h.emulator.faults();
    expect(faults.injected[CHAT_MODEL]?.['429']).toBe(20);
    expect(faults.armed[CHAT_MODEL] ?? []).toHaveLength(0);
    // Rate-limited calls are not billed: exactly one successful call per request.
    expect((await h.emulator.billedCalls(h.providerKeys.openai)) - billedBefore).toBe(requests.length);
    for (const request of requests) {
      await expectExactly(`result(s) for ${request.id}`, h.tap.forRequest(tenant, request.id, Topics.Results).length, 1);
    }
  });
});
