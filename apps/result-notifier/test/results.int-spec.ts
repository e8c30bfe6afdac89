import { InferenceResultV1, lifecycleEventId, resultIdFor } from '@sluice/contracts';
import { collectMessages, createRandomTopic, deleteTopics, MessageCollector } from '@sluice/kafka/testing';
import { cacheContentHash, CoalescingKey } from '@sluice/ledger';
import { randomTenant, waitFor } from '@sluice/testing';
import { NotifierHarness, requestRow, resultOf, startNotifier } from './notifier.harness';

async function counterValue(h: NotifierHarness, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await h.metrics.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values.filter((v) => Object.entries(labels).every(([key, value]) => String(v.labels[key]) === value)).reduce((sum, v) => sum + v.value, 0);
}

function decoded(collector: MessageCollector): Array<{ key: string | undefined; value: InferenceResultV1 }> {
  return collector.messages.map((message) => ({
    key: message.key?.toString(),
    value: JSON.parse(message.value?.toString() ?? 'null') as InferenceResultV1,
  }));
}

describe('result-notifier on the real broker and database', () => {
  let h: NotifierHarness;
  let replyTopic: string;
  let replies: MessageCollector;

  beforeAll(async () => {
    h = await startNotifier();
    replyTopic = await createRandomTopic(h.kafka, { prefix: 'notifier-replies' });
    replies = await collectMessages(h.kafka, replyTopic);
  }, 120_000);

  afterAll(async () => {
    await replies?.stop();
    if (replyTopic) await deleteTopics(h.kafka, [replyTopic]);
    await h?.close();
  });

  it('books a result produced twice once, and publishes its completion once, to the events and the replyTo topic', async () => {
    const tenant = randomTenant();
    await h.ledger.requests.insert(requestRow(tenant, 'req-twice', { replyTo: replyTopic }));
    const result = resultOf(tenant, 'req-twice');
    const duplicatesBefore = await counterValue(h, 'sluice_results_skipped_total', { reason: 'duplicate' });
    const bookedBefore = await counterValue(h, 'sluice_results_booked_total', { lane: 'realtime', status: 'succeeded' });
    const costBefore = await counterValue(h, 'sluice_cost_usd_total', { lane: 'realtime' });

    await h.produceResults([result, result]);

    await waitFor(async () => (await counterValue(h, 'sluice_results_skipped_total', { reason: 'duplicate' })) > duplicatesBefore, {
      timeoutMs: 30_000,
      description: 'the second copy to be handled',
    });
    await waitFor(() => h.eventsOf(tenant, 'req-twice').length > 0, { timeoutMs: 30_000, description: 'the completed event' });
    const events = h.eventsOf(tenant, 'req-twice');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      eventId: lifecycleEventId(tenant, 'req-twice', 'completed'),
      type: 'completed',
      resultId: result.resultId,
      lane: 'realtime',
      costUsd: 0.0001,
      deadlineMet: true,
    });
    const toReply = await waitFor(
      () => {
        const found = decoded(replies).filter((message) => message.value.tenant === tenant);
        return found.length > 0 ? found : null;
      },
      { timeoutMs: 30_000, description: 'the replyTo copy' },
    );
    expect(toReply).toEqual([{ key: 'req-twice', value: result }]);

    const completion = await h.ledger.completions.get(tenant, 'req-twice');
    expect(completion).toMatchObject({ resultId: result.resultId, status: 'succeeded', publishedAt: expect.any(Date) });
    expect(await h.ledger.completions.resultIdsOf(tenant, 'req-twice')).toEqual([result.resultId]);
    expect(await counterValue(h, 'sluice_results_booked_total', { lane: 'realtime', status: 'succeeded' })).toBe(bookedBefore + 1);
    expect(await counterValue(h, 'sluice_cost_usd_total', { lane: 'realtime' })).toBeCloseTo(costBefore + 0.0001, 10);
    expect(await h.ledger.requests.get(tenant, 'req-twice')).toMatchObject({
      status: 'succeeded',
      lane: 'realtime',
      costUsd: 0.0001,
      savedUsd: 0,
      deadlineMet: true,
      resultId: result.resultId,
    });
  });

  it("books a second provider call's answer to one request once as a result and its spend as extra, and delivers one completion", async () => {
    const tenant = randomTenant();
    await h.ledger.requests.insert(requestRow(tenant, 'req-called-twice', { replyTo: replyTopic }));
    // The worker answered, crashed before committing, and answered the redelivered lane message with a second call.
    const first = resultOf(tenant, 'req-called-twice', { providerRequestId: 'req_call_1' });
    const second = resultOf(tenant, 'req-called-twice', { providerRequestId: 'req_call_2' });
    const extraBefore = await counterValue(h, 'sluice_extra_calls_total', { lane: 'realtime' });
    const costBefore = await counterValue(h, 'sluice_cost_usd_total', { lane: 'realtime' });

    await h.produceResults([first, second, first]);

    await waitFor(async () => (await counterValue(h, 'sluice_extra_calls_total', { lane: 'realtime' })) === extraBefore + 1, {
      timeoutMs: 30_000,
      description: 'the second call booked as extra spend',
    });
    await waitFor(() => h.eventsOf(tenant, 'req-called-twice').length > 0, { timeoutMs: 30_000, description: 'the completed event' });
    expect(h.eventsOf(tenant, 'req-called-twice')).toHaveLength(1);
    expect(await h.ledger.completions.resultIdsOf(tenant, 'req-called-twice')).toEqual([first.resultId]);
    expect(await h.ledger.completions.deliveredResult(tenant, 'req-called-twice')).toMatchObject({ providerRequestId: 'req_call_1' });
    const { rows } = await h.db.pool.query<{ provider_request_id: string; cost_usd: string }>(
      'select provider_request_id, cost_usd from extra_spend where tenant = $1 and request_id = $2',
      [tenant, 'req-called-twice'],
    );
    expect(rows).toEqual([{ provider_request_id: 'req_call_2', cost_usd: '0.0001' }]);
    expect(await counterValue(h, 'sluice_cost_usd_total', { lane: 'realtime' })).toBeCloseTo(costBefore + 0.0002, 10);
    expect(await counterValue(h, 'sluice_extra_spend_usd_total', { lane: 'realtime' })).toBeCloseTo(0.0001, 10);
  });

  it('publishes, with the same ids, a completion booked before a crash but never published', async () => {
    const tenant = randomTenant();
    await h.ledger.requests.insert(requestRow(tenant, 'req-crashed', { replyTo: replyTopic }));
    const result = resultOf(tenant, 'req-crashed');
    // What a notifier that died between booking and publishing leaves behind.
    expect(await h.ledger.completions.book(result)).toEqual({ outcome: 'booked', resultId: result.resultId });

    await h.produceResults([result]);

    const [event] = await waitFor(() => (h.eventsOf(tenant, 'req-crashed').length > 0 ? h.eventsOf(tenant, 'req-crashed') : null), {
      timeoutMs: 30_000,
      description: 'the completed event of the redelivered result',
    });
    expect(event).toMatchObject({ eventId: lifecycleEventId(tenant, 'req-crashed', 'completed'), resultId: result.resultId });
    await waitFor(() => decoded(replies).some((message) => message.value.tenant === tenant), {
      timeoutMs: 30_000,
      description: 'the replyTo copy',
    });
    expect((await h.ledger.completions.get(tenant, 'req-crashed'))?.publishedAt).toEqual(expect.any(Date));
  });

  it('delivers the first of two racing results and only records the other', async () => {
    const tenant = randomTenant();
    await h.ledger.requests.insert(requestRow(tenant, 'req-race', { replyTo: replyTopic }));
    const batch = resultOf(tenant, 'req-race', {
      lane: 'batch',
      resultId: resultIdFor(tenant, 'req-race', 'batch'),
      cost: { usd: 0.00005, realtimeUsd: 0.0001, savedUsd: 0.00005 },
    });
    const realtime = resultOf(tenant, 'req-race', { lane: 'realtime', resultId: resultIdFor(tenant, 'req-race', 'realtime', 2) });
    const supersededBefore = await counterValue(h, 'sluice_results_skipped_total', { reason: 'superseded' });

    await h.produceResults([batch, realtime]);

    await waitFor(async () => (await counterValue(h, 'sluice_results_skipped_total', { reason: 'superseded' })) > supersededBefore, {
      timeoutMs: 30_000,
      description: 'the losing result to be handled',
    });
    await waitFor(() => h.eventsOf(tenant, 'req-race').length > 0 && decoded(replies).some((message) => message.value.tenant === tenant), {
      timeoutMs: 30_000,
      description: "the winner's event and replyTo copy",
    });
    expect(h.eventsOf(tenant, 'req-race').map((event) => [event.type, event.resultId])).toEqual([['completed', batch.resultId]]);
    expect(
      decoded(replies)
        .filter((message) => message.value.tenant === tenant)
        .map((message) => message.value.resultId),
    ).toEqual([batch.resultId]);
    expect(await h.ledger.completions.resultIdsOf(tenant, 'req-race')).toEqual(expect.arrayContaining([batch.resultId, realtime.resultId]));
    expect(await h.ledger.requests.get(tenant, 'req-race')).toMatchObject({ status: 'succeeded', lane: 'batch', resultId: batch.resultId });
  });

  it("caches a leader's answer and answers its coalesced followers with their own cache-lane results", async () => {
    const tenant = randomTenant();
    const key: CoalescingKey = {
      scope: tenant,
      contentHash: cacheContentHash('openai', 'chat', { model: 'gpt-4o-mini', messages: [{ role: 'user', content: tenant }] }),
    };
    for (const id of ['lead', 'follow-1', 'follow-2']) {
      await h.ledger.requests.insert(requestRow(tenant, id, { replyTo: id === 'follow-1' ? replyTopic : null }));
      await h.ledger.requests.recordRouting(tenant, id, {
        lane: id === 'lead' ? 'realtime' : 'cache',
        reason: id === 'lead' ? 'deadline-slack<async-estimate' : 'coalesced',
        estimatedCostUsd: 0,
        realtimeCostUsd: 0.0001,
        routedAt: new Date(),
        cacheKey: key,
      });
      const role = await h.ledger.coalescing.claimOrJoin(key, { tenant, requestId: id }, 60_000);
      expect(role.role).toBe(id === 'lead' ? 'leader' : 'follower');
    }
    const leader = resultOf(tenant, 'lead', { cost: { usd: 0.0001, realtimeUsd: 0.0001, savedUsd: 0 } });
    const savedBefore = await counterValue(h, 'sluice_saved_usd_total', { lane: 'cache' });

    await h.produceResults([leader]);

    for (const id of ['follow-1', 'follow-2']) {
      const [event] = await waitFor(() => (h.eventsOf(tenant, id).length > 0 ? h.eventsOf(tenant, id) : null), {
        timeoutMs: 30_000,
        description: `the completed event of ${id}`,
      });
      expect(event).toMatchObject({
        eventId: lifecycleEventId(tenant, id, 'completed'),
        lane: 'cache',
        resultId: resultIdFor(tenant, id, 'cache'),
        costUsd: 0,
        realtimeCostUsd: 0.0001,
        savedUsd: 0.0001,
      });
      expect(await h.ledger.requests.get(tenant, id)).toMatchObject({ status: 'succeeded', lane: 'cache', costUsd: 0, savedUsd: 0.0001 });
    }
    const [reply] = await waitFor(
      () => {
        const found = decoded(replies).filter((message) => message.value.tenant === tenant);
        return found.length > 0 ? found : null;
      },
      { timeoutMs: 30_000, description: "follow-1's replyTo copy" },
    );
    expect(reply).toMatchObject({ key: 'follow-1', value: { id: 'follow-1', lane: 'cache', response: leader.response, usage: leader.usage } });

    expect(await counterValue(h, 'sluice_saved_usd_total', { lane: 'cache' })).toBeCloseTo(savedBefore + 0.0002, 10);
    const cached = await h.ledger.cache.hit(tenant, key.contentHash);
    expect(cached).toMatchObject({
      sourceRequestId: 'lead',
      result: { resultId: leader.resultId, response: leader.response, usage: leader.usage, model: leader.model },
    });
    // The flight is over: an identical request now answers from the cache instead of joining.
    expect(await h.ledger.coalescing.claimOrJoin(key, { tenant, requestId: 'late' }, 60_000)).toMatchObject({ role: 'cached', sourceRequestId: 'lead' });
  });

  it('answers the followers of a failed leader with the failure and caches nothing', async () => {
    const tenant = randomTenant();
    const key: CoalescingKey = { scope: tenant, contentHash: 'e'.repeat(64) };
    for (const id of ['lead', 'follow']) {
      await h.ledger.requests.insert(requestRow(tenant, id));
      await h.ledger.requests.recordRouting(tenant, id, {
        lane: 'realtime',
        reason: 'test',
        estimatedCostUsd: 0,
        realtimeCostUsd: 0,
        routedAt: new Date(),
        cacheKey: key,
      });
      await h.ledger.coalescing.claimOrJoin(key, { tenant, requestId: id }, 60_000);
    }
    const failed = resultOf(tenant, 'lead', {
      status: 'failed',
      response: undefined,
      error: { code: 'PROVIDER_UNAVAILABLE', message: 'upstream 503', retryable: true },
      usage: { inputTokens: 0, outputTokens: 0 },
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    });

    await h.produceResults([failed]);

    const [event] = await waitFor(() => (h.eventsOf(tenant, 'follow').length > 0 ? h.eventsOf(tenant, 'follow') : null), {
      timeoutMs: 30_000,
      description: "the follower's failed event",
    });
    expect(event).toMatchObject({
      type: 'failed',
      eventId: lifecycleEventId(tenant, 'follow', 'failed'),
      lane: 'cache',
      error: { code: 'PROVIDER_UNAVAILABLE' },
    });
    expect(h.eventsOf(tenant, 'lead')).toMatchObject([{ type: 'failed', lane: 'realtime' }]);
    expect(await h.ledger.cache.hit(tenant, key.contentHash)).toBeUndefined();
    expect(await h.ledger.requests.get(tenant, 'follow')).toMatchObject({ status: 'failed', errorCode: 'PROVIDER_UNAVAILABLE' });
  });

  it('still publishes the event when the replyTo topic does not exist', async () => {
    const tenant = randomTenant();
    await h.ledger.requests.insert(requestRow(tenant, 'req-nowhere', { replyTo: `${replyTopic}.missing` }));

    await h.produceResults([resultOf(tenant, 'req-nowhere')]);

    await waitFor(() => h.eventsOf(tenant, 'req-nowhere').length === 1, { timeoutMs: 30_000, description: 'the completed event' });
    expect(await counterValue(h, 'sluice_reply_topic_missing_total', {})).toBeGreaterThanOrEqual(1);
  });

  it('leaves a result for a request it has no record of alone', async () => {
    const tenant = randomTenant();
    const before = await counterValue(h, 'sluice_results_skipped_total', { reason: 'unknown-request' });

    await h.produceResults([resultOf(tenant, 'req-unknown')]);

    await waitFor(async () => (await counterValue(h, 'sluice_results_skipped_total', { reason: 'unknown-request' })) > before, {
      timeoutMs: 30_000,
      description: 'the result to be skipped',
    });
    expect(await h.ledger.completions.get(tenant, 'req-unknown')).toBeUndefined();
    expect(h.eventsOf(tenant, 'req-unknown')).toEqual([]);
  });
});
