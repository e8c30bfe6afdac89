import { InferenceResultV1, lifecycleEventId, resultIdFor, Topics } from '@sluice/contracts';
import { DEFAULT_DEAD_LETTER_TOPIC, KafkaProducer } from '@sluice/kafka';
import { collectMessages, MessageCollector } from '@sluice/kafka/testing';
import { CoalescingKey } from '@sluice/ledger';
import { randomTenant, waitFor } from '@sluice/testing';
import { NotifierHarness, requestRow, resultOf, startNotifier } from './notifier.harness';

/** A fetched batch that holds every case at once: the notifier books it in one go and fails only the poison. */
describe('result-notifier books a mixed batch on the real broker and database', () => {
  let h: NotifierHarness;
  let producer: KafkaProducer;
  let deadLetters: MessageCollector;

  beforeAll(async () => {
    h = await startNotifier();
    producer = new KafkaProducer(h.kafka);
    await producer.connect();
    deadLetters = await collectMessages(h.kafka, DEFAULT_DEAD_LETTER_TOPIC, { fromEnd: true });
  }, 120_000);

  afterAll(async () => {
    await deadLetters?.stop();
    await producer?.disconnect();
    await h?.close();
  });

  it('books new, redelivered, racing, coalesced and unknown results of one batch once each, and dead-letters a poison result alone', async () => {
    const tenant = randomTenant();
    const fresh = Array.from({ length: 30 }, (_, i) => `fresh-${i}`);
    for (const id of [...fresh, 'twice', 'race', 'lead', 'follow', 'crashed', 'poison']) {
      await h.ledger.requests.insert(requestRow(tenant, id, { webhookUrl: id === 'twice' ? 'http://127.0.0.1:9/hook' : null }));
    }
    const key: CoalescingKey = { scope: tenant, contentHash: 'c'.repeat(64) };
    for (const id of ['lead', 'follow']) {
      await h.ledger.requests.recordRouting(tenant, id, {
        lane: 'realtime',
        reason: 'test',
        estimatedCostUsd: 0,
        realtimeCostUsd: 0.0001,
        routedAt: new Date(),
        cacheKey: key,
      });
      await h.ledger.coalescing.claimOrJoin(key, { tenant, requestId: id }, 60_000);
    }
    const crashed = resultOf(tenant, 'crashed');
    // What a notifier that died between booking and publishing leaves behind.
    await h.ledger.completions.bookMany([crashed]);
    const lateBatch = resultOf(tenant, 'race', {
      lane: 'batch',
      resultId: resultIdFor(tenant, 'race', 'batch'),
      cost: { usd: 0.00005, realtimeUsd: 0.0001, savedUsd: 0.00005 },
    });
    const escalated = resultOf(tenant, 'race', { resultId: resultIdFor(tenant, 'race', 'realtime', 2) });
    // PostgreSQL's jsonb refuses \u0000: this result can never be booked.
    const poison = resultOf(tenant, 'poison', { response: { text: 'a\u0000b' } });
    const batch: InferenceResultV1[] = [
      ...fresh.slice(0, 15).map((id) => resultOf(tenant, id)),
      resultOf(tenant, 'twice'),
      lateBatch,
      poison,
      resultOf(tenant, 'lead'),
      resultOf(tenant, 'unknown'),
      crashed,
      escalated,
      resultOf(tenant, 'twice'),
      ...fresh.slice(15).map((id) => resultOf(tenant, id)),
    ];

    // One send to one partition: the notifier fetches them together.
    await producer.send(
      Topics.Results,
      batch.map((result) => ({ key: result.id, value: result, requestId: result.id, partition: 0 })),
    );

    const answered = [...fresh, 'twice', 'race', 'lead', 'follow', 'crashed'];
    await waitFor(() => answered.every((id) => h.eventsOf(tenant, id).length > 0), { timeoutMs: 60_000, description: 'every completed event' });
    await waitFor(
      () => deadLetters.messages.some((message) => (JSON.parse(message.value?.toString() ?? 'null') as InferenceResultV1 | null)?.resultId === poison.resultId),
      { timeoutMs: 60_000, description: 'the poison result on the dead-letter topic' },
    );

    for (const id of answered) {
      const events = h.eventsOf(tenant, id);
      expect({ id, events: events.map((event) => event.eventId) }).toEqual({ id, events: [lifecycleEventId(tenant, id, 'completed')] });
      expect({ id, published: (await h.ledger.completions.get(tenant, id))?.publishedAt }).toEqual({ id, published: expect.any(Date) });
    }
    expect(h.eventsOf(tenant, 'race')[0]).toMatchObject({ resultId: lateBatch.resultId, lane: 'batch' });
    expect((await h.ledger.completions.resultIdsOf(tenant, 'race')).sort()).toEqual([lateBatch.resultId, escalated.resultId].sort());
    expect(h.eventsOf(tenant, 'follow')[0]).toMatchObject({ lane: 'cache', resultId: resultIdFor(tenant, 'follow', 'cache') });
    expect(await h.ledger.cache.hit(tenant, key.contentHash)).toMatchObject({ sourceRequestId: 'lead' });
    expect(await h.ledger.completions.get(tenant, 'poison')).toBeUndefined();
    expect(await h.ledger.completions.get(tenant, 'unknown')).toBeUndefined();
    expect(h.eventsOf(tenant, 'unknown')).toEqual([]);
    const webhooks = await h.db.pool.query<{ event_id: string }>('select event_id from webhook_deliveries where tenant = $1', [tenant]);
    expect(webhooks.rows).toEqual([{ event_id: lifecycleEventId(tenant, 'twice', 'completed') }]);
  });
});
