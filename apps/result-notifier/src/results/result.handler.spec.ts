import { DependencyUnavailableError, InferenceResultV1, lifecycleEventId, LifecycleEventV1, Topics, validateMessage } from '@sluice/contracts';
import { sampleFailedResult, sampleResult } from '@sluice/contracts/testing/message.samples';
import type { ProducerBatch } from '@sluice/kafka';
import {
  BulkBookingOutcome,
  CoalescingKey,
  FlightEnd,
  NewCacheEntry,
  NewWebhookDelivery,
  ReleasedFlight,
  RequestRecord,
  requestKey,
  RequestRef,
} from '@sluice/ledger';
import { MetricsRegistry } from '@sluice/observability';
import pino from 'pino';
import { Correlation, ResultHandler, ResultHandling } from './result.handler';
import { ResultMetrics } from './result.metrics';

const NOW = new Date('2029-12-31T18:00:01.000Z');
const KEY: CoalescingKey = { scope: 'acme', contentHash: 'a'.repeat(64) };
const silent = pino({ level: 'silent' });

function result(overrides: Record<string, unknown> = {}, failed = false): InferenceResultV1 {
  const plain = failed ? sampleFailedResult(overrides) : sampleResult(overrides);
  const outcome = validateMessage(InferenceResultV1, plain);
  if (!outcome.ok) throw new Error(`bad sample: ${JSON.stringify(outcome.errors)}`);
  return outcome.value;
}

function requestRecord(overrides: Partial<RequestRecord> = {}): RequestRecord {
  return {
    tenant: 'acme',
    id: 'req-1',
    bodyHash: 'b'.repeat(64),
    provider: 'openai',
    operation: 'chat',
    model: 'gpt-4o-mini',
    mode: 'auto',
    status: 'routed',
    lane: 'batch',
    decisionReason: 'deadline-slack>batch-estimate',
    estimatedCostUsd: 0.00005,
    realtimeCostUsd: 0.0001,
    costUsd: null,
    savedUsd: null,
    deadline: new Date('2030-01-01T12:00:00Z'),
    notBefore: null,
    receivedAt: new Date('2029-12-31T12:00:00.123Z'),
    routedAt: new Date('2029-12-31T12:00:00.200Z'),
    completedAt: null,
    deadlineMet: null,
    resultId: null,
    errorCode: null,
    replyTo: 'acme.replies',
    webhookUrl: 'https://hooks.example.com/sluice',
    metadata: { job: 'nightly-digest' },
    cacheKey: null,
    updatedAt: NOW,
    ...overrides,
  };
}

/** The ledger as the handler sees it, in memory: booking follows the repository's rules. */
class FakeLedger {
  readonly requestRows = new Map<string, RequestRecord>();
  readonly booked = new Map<string, { resultId: string; publishedAt: Date | null }>();
  readonly cacheEntries: NewCacheEntry[] = [];
  readonly webhookRows = new Map<string, NewWebhookDelivery>();
  waiting: RequestRef[] = [];
  releases = 0;
  /** Results whose booking the database refuses, as it refuses a \u0000 in jsonb. */
  readonly refused = new Set<string>();
  /** Provider calls the ledger books as extra spend: another call than the one recorded for their result. */
  readonly extraCalls = new Set<string>();
  bookCalls = 0;
  /** How many more times marking published finds the database away. */
  markOutages = 0;
  markCalls = 0;

  add(record: RequestRecord): void {
    this.requestRows.set(requestKey(record.tenant, record.id), record);
  }

  readonly requests = {
    getMany: async (refs: ReadonlyArray<{ tenant: string; id: string }>) => {
      const found = new Map<string, RequestRecord>();
      for (const ref of refs) {
        const row = this.requestRows.get(requestKey(ref.tenant, ref.id));
        if (row) found.set(requestKey(ref.tenant, ref.id), row);
      }
      return found;
    },
  };

  readonly completions = {
    bookMany: async (results: readonly InferenceResultV1[]): Promise<BulkBookingOutcome[]> => {
      this.bookCalls += 1;
      const poison = results.find((r) => this.refused.has(r.resultId));
      if (poison) throw Object.assign(new Error('unsupported Unicode escape sequence'), { code: '22P05' });
      return results.map((r): BulkBookingOutcome => {
        const existing = this.booked.get(requestKey(r.tenant, r.id));
        if (existing === undefined) {
          this.booked.set(requestKey(r.tenant, r.id), { resultId: r.resultId, publishedAt: null });
          return { outcome: 'booked', resultId: r.resultId, published: false, extraSpend: false };
        }
        const published = existing.publishedAt !== null;
        return existing.resultId === r.resultId
          ? { outcome: 'already-booked', resultId: r.resultId, published, extraSpend: this.extraCalls.has(r.providerRequestId ?? '') }
          : { outcome: 'superseded', resultId: r.resultId, winnerResultId: existing.resultId, published, extraSpend: false };
      });
    },
    markPublishedMany: async (refs: ReadonlyArray<{ tenant: string; requestId: string }>) => {
      this.markCalls += 1;
      if (this.markOutages > 0) {
        this.markOutages -= 1;
        throw new DependencyUnavailableError('the database', new Error('Connection terminated unexpectedly'));
      }
      for (const ref of refs) {
        const row = this.booked.get(requestKey(ref.tenant, ref.requestId));
        if (row) row.publishedAt ??= NOW;
      }
    },
  };

  readonly cache = { putMany: async (entries: readonly NewCacheEntry[]) => void this.cacheEntries.push(...entries) };

  readonly coalescing = {
    releaseMany: async (ends: readonly FlightEnd[], answer?: (released: ReleasedFlight[]) => Promise<void>) => {
      const released: ReleasedFlight[] = ends.map((end) => ({ ...end, followers: [] }));
      if (released.length > 0) {
        this.releases += 1;
        released[0].followers = this.waiting;
      }
      if (answer) await answer(released);
      // Like the repository's transaction: the followers are forgotten only once answered.
      this.waiting = [];
      return released;
    },
  };

  readonly webhookDeliveries = {
    enqueueMany: async (deliveries: readonly NewWebhookDelivery[]) => {
      const queued = new Set<string>();
      for (const delivery of deliveries) {
        if (this.webhookRows.has(delivery.eventId)) continue;
        this.webhookRows.set(delivery.eventId, delivery);
        queued.add(delivery.eventId);
      }
      return queued;
    },
  };
}

class FakeProducer {
  readonly sent: ProducerBatch[] = [];
  failures = 0;
  sends = 0;

  async sendBatch(batches: readonly ProducerBatch[]): Promise<void> {
    this.sends += 1;
    if (this.failures > 0) {
      this.failures -= 1;
      throw new Error('broker unavailable');
    }
    this.sent.push(...batches);
  }

  values(topic: string): unknown[] {
    return this.sent.filter((batch) => batch.topic === topic).flatMap((batch) => batch.messages.map((message) => message.value));
  }
}

interface Harness {
  handler: ResultHandler;
  /** One result as a batch of one: its handling, or its failure thrown. */
  handle(result: InferenceResultV1, correlation?: Correlation): Promise<ResultHandling>;
  /** Results as one batch: one handling per result, a failure thrown. */
  handleAll(results: readonly InferenceResultV1[]): Promise<ResultHandling[]>;
  ledger: FakeLedger;
  producer: FakeProducer;
  registry: MetricsRegistry;
  wakes: () => number;
  existingTopics: Set<string>;
}

function harness(): Harness {
  const ledger = new FakeLedger();
  const producer = new FakeProducer();
  const registry = new MetricsRegistry('result-notifier-test');
  const existingTopics = new Set(['acme.replies']);
  let wakes = 0;
  const handler = new ResultHandler(
    {
      requests: ledger.requests,
      completions: ledger.completions,
      cache: ledger.cache,
      coalescing: ledger.coalescing,
      webhookDeliveries: ledger.webhookDeliveries,
      producer,
      replyTopics: { exists: async (topic) => existingTopics.has(topic) },
      webhooks: { wake: () => void (wakes += 1) },
      metrics: new ResultMetrics(registry),
      clock: () => NOW,
      outageBackoff: { initialDelayMs: 1, maxDelayMs: 4, multiplier: 2, jitter: 0 },
    },
    { cacheTtlMs: 60_000 },
  );
  const handleAll = async (results: readonly InferenceResultV1[], correlation: Correlation = {}): Promise<ResultHandling[]> => {
    const outcomes = await handler.handleBatch(
      results.map((r) => ({ result: r, correlation, log: () => silent })),
      new AbortController().signal,
    );
    return outcomes.map((outcome) => {
      if (!outcome.ok) throw outcome.error;
      return outcome.value;
    });
  };
  const handle = async (r: InferenceResultV1, correlation: Correlation = {}) => (await handleAll([r], correlation))[0];
  return { handler, handle, handleAll, ledger, producer, registry, wakes: () => wakes, existingTopics };
}

async function metricValue(registry: MetricsRegistry, name: string, labels: Record<string, string>): Promise<number> {
  const metric = (await registry.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  const match = values.find((v) => Object.entries(labels).every(([k, value]) => String(v.labels[k]) === value));
  return match?.value ?? 0;
}

function expectValid<T extends object>(cls: new () => T, value: unknown): T {
  const outcome = validateMessage(cls, JSON.parse(JSON.stringify(value)));
  if (!outcome.ok) throw new Error(`invalid ${cls.name}: ${JSON.stringify(outcome.errors)}`);
  return outcome.value;
}

describe('ResultHandler, one result at a time', () => {
  it('delivers a first booking: a valid completed event, the replyTo copy and one queued webhook', async () => {
    const h = harness();
    h.ledger.add(requestRecord());
    const leader = result();

    const handled = await h.handle(leader, { correlationId: 'corr-1' });

    expect(handled).toMatchObject({ outcome: 'booked', reply: 'published', webhookQueued: true, followers: 0 });
    const [event] = h.producer.values(Topics.Events);
    expect(expectValid(LifecycleEventV1, event)).toMatchObject({
      eventId: lifecycleEventId('acme', 'req-1', 'completed'),
      type: 'completed',
      requestId: 'req-1',
      lane: 'batch',
      resultId: leader.resultId,
      costUsd: 0.00005,
      savedUsd: 0.00005,
      deadlineMet: true,
    });
    const eventMessage = h.producer.sent.find((batch) => batch.topic === Topics.Events)?.messages[0];
    expect(eventMessage).toMatchObject({ key: 'req-1', requestId: 'req-1', correlationId: 'corr-1' });
    expect(h.producer.values('acme.replies')).toEqual([leader]);
    const webhook = h.ledger.webhookRows.get(lifecycleEventId('acme', 'req-1', 'completed'));
    expect(webhook).toMatchObject({ tenant: 'acme', requestId: 'req-1', url: 'https://hooks.example.com/sluice' });
    expect(webhook?.payload).toMatchObject({ type: 'request.completed', timestamp: leader.timings.completedAt, data: { event, result: leader } });
    expect(h.ledger.booked.get(requestKey('acme', 'req-1'))?.publishedAt).toEqual(NOW);
    expect(h.wakes()).toBe(1);
  });

  it('accounts a booked completion by lane: booked, cost, realtime cost, saving and deadline attainment', async () => {
    const h = harness();
    h.ledger.add(requestRecord());
    await h.handle(result());

    expect(await metricValue(h.registry, 'sluice_results_booked_total', { lane: 'batch', status: 'succeeded' })).toBe(1);
    expect(await metricValue(h.registry, 'sluice_cost_usd_total', { lane: 'batch' })).toBeCloseTo(0.00005, 10);
    expect(await metricValue(h.registry, 'sluice_realtime_cost_usd_total', { lane: 'batch' })).toBeCloseTo(0.0001, 10);
    expect(await metricValue(h.registry, 'sluice_saved_usd_total', { lane: 'batch' })).toBeCloseTo(0.00005, 10);
    expect(await metricValue(h.registry, 'sluice_deadline_met_total', { lane: 'batch', met: 'true' })).toBe(1);
  });

  it('emits a failed event carrying the error for a failed result', async () => {
    const h = harness();
    h.ledger.add(requestRecord({ webhookUrl: null, replyTo: null }));
    await h.handle(result({}, true));

    expect(h.producer.sent.map((batch) => batch.topic)).toEqual([Topics.Events]);
    expect(expectValid(LifecycleEventV1, h.producer.values(Topics.Events)[0])).toMatchObject({
      eventId: lifecycleEventId('acme', 'req-1', 'failed'),
      type: 'failed',
      error: { code: 'PROVIDER_INVALID_REQUEST', message: 'model not found' },
    });
  });

  it('publishes nothing for a duplicate of a published completion', async () => {
    const h = harness();
    h.ledger.add(requestRecord());
    await h.handle(result());
    const sentBefore = h.producer.sent.length;

    const again = await h.handle(result());

    expect(again).toMatchObject({ outcome: 'already-booked', plan: { deliver: false } });
    expect(h.producer.sent).toHaveLength(sentBefore);
    expect(h.ledger.webhookRows.size).toBe(1);
    expect(await metricValue(h.registry, 'sluice_results_skipped_total', { lane: 'batch', reason: 'duplicate' })).toBe(1);
    expect(await metricValue(h.registry, 'sluice_results_booked_total', { lane: 'batch', status: 'succeeded' })).toBe(1);
  });

  it("accounts a second call's answer to a booked result as extra spend, and delivers nothing more", async () => {
    const h = harness();
    h.ledger.add(requestRecord());
    await h.handle(result({ providerRequestId: 'call-1' }));
    const sentBefore = h.producer.sent.length;
    h.ledger.extraCalls.add('call-2');

    const again = await h.handle(result({ providerRequestId: 'call-2' }));

    expect(again).toMatchObject({ outcome: 'already-booked', plan: { deliver: false } });
    expect(h.producer.sent).toHaveLength(sentBefore);
    expect(await metricValue(h.registry, 'sluice_results_booked_total', { lane: 'batch', status: 'succeeded' })).toBe(1);
    expect(await metricValue(h.registry, 'sluice_extra_calls_total', { lane: 'batch' })).toBe(1);
    expect(await metricValue(h.registry, 'sluice_extra_spend_usd_total', { lane: 'batch' })).toBeCloseTo(0.00005, 10);
    expect(await metricValue(h.registry, 'sluice_cost_usd_total', { lane: 'batch' })).toBeCloseTo(0.0001, 10);
  });

  it('publishes again, with the same ids, when the first try failed after booking', async () => {
    const h = harness();
    h.ledger.add(requestRecord());
    h.producer.failures = 1;
    await expect(h.handle(result())).rejects.toThrow('broker unavailable');
    expect(h.ledger.booked.get(requestKey('acme', 'req-1'))?.publishedAt).toBeNull();

    const retried = await h.handle(result());

    expect(retried).toMatchObject({ outcome: 'already-booked', plan: { deliver: true } });
    expect((h.producer.values(Topics.Events)[0] as LifecycleEventV1).eventId).toBe(lifecycleEventId('acme', 'req-1', 'completed'));
    expect(h.ledger.booked.get(requestKey('acme', 'req-1'))?.publishedAt).toEqual(NOW);
    expect(await metricValue(h.registry, 'sluice_results_booked_total', { lane: 'batch', status: 'succeeded' })).toBe(1);
  });

  it('bills a superseded result and delivers nothing', async () => {
    const h = harness();
    h.ledger.add(requestRecord({ cacheKey: KEY }));
    await h.handle(result());
    const sentBefore = h.producer.sent.length;
    const releasesBefore = h.ledger.releases;

    const loser = result({ lane: 'realtime', resultId: 'acme.req-1.realtime.2', cost: { usd: 0.0001, realtimeUsd: 0.0001, savedUsd: 0 } });
    const handled = await h.handle(loser);

    expect(handled).toMatchObject({ outcome: 'superseded', followers: 0, reply: 'none', webhookQueued: false });
    expect(h.producer.sent).toHaveLength(sentBefore);
    expect(h.ledger.cacheEntries).toHaveLength(1);
    expect(h.ledger.releases).toBe(releasesBefore);
    expect(await metricValue(h.registry, 'sluice_cost_usd_total', { lane: 'realtime' })).toBeCloseTo(0.0001, 10);
    // Billed, but it did not answer the request: the realtime price it stands for is the winner's, counted once.
    expect(await metricValue(h.registry, 'sluice_realtime_cost_usd_total', { lane: 'realtime' })).toBe(0);
    expect(await metricValue(h.registry, 'sluice_results_skipped_total', { lane: 'realtime', reason: 'superseded' })).toBe(1);
  });

  it('neither books nor delivers a result for a request the ledger does not know', async () => {
    const h = harness();
    const handled = await h.handle(result());

    expect(handled).toEqual<ResultHandling>({ outcome: 'unknown-request' });
    expect(h.ledger.booked.size).toBe(0);
    expect(h.producer.sent).toEqual([]);
    expect(await metricValue(h.registry, 'sluice_results_skipped_total', { lane: 'batch', reason: 'unknown-request' })).toBe(1);
  });

  it('still publishes the event when the replyTo topic does not exist', async () => {
    const h = harness();
    h.ledger.add(requestRecord({ replyTo: 'acme.missing' }));
    const handled = await h.handle(result());

    expect(handled).toMatchObject({ outcome: 'booked', reply: 'missing-topic' });
    expect(h.producer.sent.map((batch) => batch.topic)).toEqual([Topics.Events]);
    expect(await metricValue(h.registry, 'sluice_reply_topic_missing_total', {})).toBe(1);
  });

  it("caches a succeeded answer under the request's key for the configured time", async () => {
    const h = harness();
    h.ledger.add(requestRecord({ cacheKey: KEY }));
    const leader = result({ lane: 'realtime', resultId: 'acme.req-1.realtime.1' });
    await h.handle(leader);

    expect(h.ledger.cacheEntries).toEqual([
      {
        tenant: 'acme',
        contentHash: KEY.contentHash,
        provider: 'openai',
        model: 'gpt-4o-mini',
        result: { resultId: leader.resultId, response: leader.response, usage: leader.usage, model: 'gpt-4o-mini' },
        sourceRequestId: 'req-1',
        expiresAt: new Date(NOW.getTime() + 60_000),
      },
    ]);
  });

  it('answers each coalesced follower with its own valid cache-lane result on the results topic', async () => {
    const h = harness();
    h.ledger.add(requestRecord({ cacheKey: KEY }));
    h.ledger.add(requestRecord({ id: 'req-2', cacheKey: KEY, deadline: null, metadata: {}, receivedAt: new Date('2029-12-31T13:00:00Z'), routedAt: null }));
    h.ledger.waiting = [{ tenant: 'acme', requestId: 'req-2' }];
    const leader = result({ lane: 'realtime', resultId: 'acme.req-1.realtime.1', cost: { usd: 0.0001, realtimeUsd: 0.0001, savedUsd: 0 } });

    const handled = await h.handle(leader);

    expect(handled).toMatchObject({ outcome: 'booked', followers: 1 });
    const answers = h.producer.sent.filter((batch) => batch.topic === Topics.Results).flatMap((batch) => batch.messages);
    expect(answers).toHaveLength(1);
    expect(answers[0]).toMatchObject({ key: 'req-2', requestId: 'req-2' });
    expect(expectValid(InferenceResultV1, answers[0].value)).toEqual({
      id: 'req-2',
      tenant: 'acme',
      resultId: 'acme.req-2.cache.1',
      status: 'succeeded',
      lane: 'cache',
      provider: 'openai',
      model: 'gpt-4o-mini',
      response: leader.response,
      usage: leader.usage,
      cost: { usd: 0, realtimeUsd: 0.0001, savedUsd: 0.0001 },
      timings: { receivedAt: '2029-12-31T13:00:00.000Z', completedAt: NOW.toISOString() },
    });
  });

  it('answers followers of a failed leader with the failure, and caches nothing', async () => {
    const h = harness();
    h.ledger.add(requestRecord({ cacheKey: KEY }));
    h.ledger.add(requestRecord({ id: 'req-2', cacheKey: KEY }));
    h.ledger.waiting = [{ tenant: 'acme', requestId: 'req-2' }];

    await h.handle(result({}, true));

    expect(h.ledger.cacheEntries).toEqual([]);
    const [answer] = h.producer.values(Topics.Results);
    expect(expectValid(InferenceResultV1, answer)).toMatchObject({
      id: 'req-2',
      status: 'failed',
      lane: 'cache',
      error: { code: 'PROVIDER_INVALID_REQUEST', retryable: false },
      usage: { inputTokens: 0, outputTokens: 0 },
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
      deadline: '2030-01-01T12:00:00.000Z',
      deadlineMet: true,
      metadata: { job: 'nightly-digest' },
    });
  });

  it('keeps followers waiting when answering them fails, and answers them on the next try', async () => {
    const h = harness();
    h.ledger.add(requestRecord({ cacheKey: KEY, replyTo: null, webhookUrl: null }));
    h.ledger.add(requestRecord({ id: 'req-2', cacheKey: KEY }));
    h.ledger.waiting = [{ tenant: 'acme', requestId: 'req-2' }];
    h.producer.failures = 1;

    await expect(h.handle(result())).rejects.toThrow('broker unavailable');
    expect(h.ledger.waiting).toHaveLength(1);
    expect(h.producer.sent).toEqual([]);

    await h.handle(result());
    expect(h.ledger.waiting).toEqual([]);
    expect(h.producer.values(Topics.Results)).toHaveLength(1);
    expect(h.producer.values(Topics.Events)).toHaveLength(1);
  });

  it('never caches or releases for a result of the cache lane', async () => {
    const h = harness();
    h.ledger.add(requestRecord({ cacheKey: KEY }));
    await h.handle(result({ lane: 'cache', resultId: 'acme.req-1.cache.1', cost: { usd: 0, realtimeUsd: 0.0001, savedUsd: 0.0001 } }));

    expect(h.ledger.cacheEntries).toEqual([]);
    expect(h.ledger.releases).toBe(0);
    expect(h.producer.values(Topics.Events)).toHaveLength(1);
  });
});

describe('ResultHandler, a batch at a time', () => {
  function requests(h: Harness, ids: string[], overrides: Partial<RequestRecord> = {}): void {
    for (const id of ids) h.ledger.add(requestRecord({ id, ...overrides }));
  }

  function resultFor(id: string, overrides: Record<string, unknown> = {}): InferenceResultV1 {
    return result({ id, resultId: `acme.${id}.batch.1`, ...overrides });
  }

  it('books a mixed batch in one booking and publishes everything it delivers in one producer send', async () => {
    const h = harness();
    requests(h, ['req-1', 'req-2', 'req-3']);
    h.ledger.add(requestRecord({ id: 'req-4', replyTo: null, webhookUrl: null }));
    const batch = [
      resultFor('req-1'),
      resultFor('req-2'),
      resultFor('req-unknown'),
      resultFor('req-3'),
      result({ id: 'req-4', resultId: 'acme.req-4.batch.1' }, true),
    ];

    const handled = await h.handleAll(batch);

    expect(handled.map((handling) => handling.outcome)).toEqual(['booked', 'booked', 'unknown-request', 'booked', 'booked']);
    expect(h.ledger.bookCalls).toBe(1);
    expect(h.producer.sends).toBe(1);
    expect(h.producer.values(Topics.Events).map((event) => (event as LifecycleEventV1).requestId)).toEqual(['req-1', 'req-2', 'req-3', 'req-4']);
    expect((h.producer.values(Topics.Events)[3] as LifecycleEventV1).type).toBe('failed');
    expect(h.producer.values('acme.replies')).toEqual([batch[0], batch[1], batch[3]]);
    expect([...h.ledger.webhookRows.values()].map((row) => row.requestId)).toEqual(['req-1', 'req-2', 'req-3']);
    expect([...h.ledger.booked.values()].every((row) => row.publishedAt !== null)).toBe(true);
    expect(h.wakes()).toBe(1);
    expect(await metricValue(h.registry, 'sluice_results_booked_total', { lane: 'batch', status: 'succeeded' })).toBe(3);
    expect(await metricValue(h.registry, 'sluice_results_skipped_total', { lane: 'batch', reason: 'unknown-request' })).toBe(1);
  });

  it('delivers a result redelivered within its own batch once, and counts the copy a duplicate', async () => {
    const h = harness();
    requests(h, ['req-1']);

    const handled = await h.handleAll([resultFor('req-1'), resultFor('req-1')]);

    expect(handled).toMatchObject([
      { outcome: 'booked', plan: { deliver: true } },
      { outcome: 'already-booked', plan: { deliver: false }, reply: 'none', webhookQueued: false },
    ]);
    expect(h.producer.values(Topics.Events)).toHaveLength(1);
    expect(h.producer.values('acme.replies')).toHaveLength(1);
    expect(await metricValue(h.registry, 'sluice_results_skipped_total', { lane: 'batch', reason: 'duplicate' })).toBe(1);
    expect(await metricValue(h.registry, 'sluice_results_booked_total', { lane: 'batch', status: 'succeeded' })).toBe(1);
  });

  it('delivers the first of two results of one request in a batch and bills the other', async () => {
    const h = harness();
    requests(h, ['req-1'], { cacheKey: KEY });
    const late = resultFor('req-1');
    const escalated = result({ id: 'req-1', lane: 'realtime', resultId: 'acme.req-1.realtime.2', cost: { usd: 0.0001, realtimeUsd: 0.0001, savedUsd: 0 } });

    const handled = await h.handleAll([late, escalated]);

    expect(handled.map((handling) => handling.outcome)).toEqual(['booked', 'superseded']);
    expect(h.producer.values(Topics.Events)).toMatchObject([{ resultId: late.resultId }]);
    expect(h.ledger.cacheEntries.map((entry) => (entry.result as { resultId: string }).resultId)).toEqual([late.resultId]);
    expect(h.ledger.releases).toBe(1);
    expect(await metricValue(h.registry, 'sluice_results_skipped_total', { lane: 'realtime', reason: 'superseded' })).toBe(1);
  });

  it('re-publishes, with the same ids, the unpublished completions of a batch that failed after booking', async () => {
    const h = harness();
    requests(h, ['req-1', 'req-2']);
    const batch = [resultFor('req-1'), resultFor('req-2')];
    h.producer.failures = 1;
    await expect(h.handleAll(batch)).rejects.toThrow('broker unavailable');

    const retried = await h.handleAll(batch);

    expect(retried).toMatchObject([
      { outcome: 'already-booked', plan: { deliver: true } },
      { outcome: 'already-booked', plan: { deliver: true } },
    ]);
    expect(h.producer.values(Topics.Events).map((event) => (event as LifecycleEventV1).eventId)).toEqual([
      lifecycleEventId('acme', 'req-1', 'completed'),
      lifecycleEventId('acme', 'req-2', 'completed'),
    ]);
    expect(await metricValue(h.registry, 'sluice_results_booked_total', { lane: 'batch', status: 'succeeded' })).toBe(2);
  });

  it('fails a result the ledger refuses alone, and handles the rest of its batch', async () => {
    const h = harness();
    requests(h, ['req-1', 'req-2', 'req-3', 'req-4', 'req-5']);
    const batch = ['req-1', 'req-2', 'req-3', 'req-4', 'req-5'].map((id) => resultFor(id));
    h.ledger.refused.add(batch[3].resultId);

    const outcomes = await h.handler.handleBatch(
      batch.map((r) => ({ result: r, correlation: {}, log: () => silent })),
      new AbortController().signal,
    );

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true, true, false, true]);
    expect(outcomes[3]).toMatchObject({ ok: false, error: { code: '22P05' } });
    expect([...h.ledger.booked.keys()].sort()).toEqual(['req-1', 'req-2', 'req-3', 'req-5'].map((id) => requestKey('acme', id)));
    expect(h.producer.values(Topics.Events)).toHaveLength(4);
  });

  it('fails every result of a batch alike when the broker is down, without splitting it', async () => {
    const h = harness();
    requests(h, ['req-1', 'req-2', 'req-3']);
    h.producer.failures = 1;

    const outcomes = await h.handler.handleBatch(
      ['req-1', 'req-2', 'req-3'].map((id) => ({ result: resultFor(id), correlation: {}, log: () => silent })),
      new AbortController().signal,
    );

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([false, false, false]);
    expect(h.producer.sends).toBe(1);
  });
  it('waits out a database outage after publishing, so the replies are sent once, not again with a retry of the batch', async () => {
    const h = harness();
    requests(h, ['req-1', 'req-2']);
    h.ledger.markOutages = 3;

    const outcomes = await h.handler.handleBatch(
      ['req-1', 'req-2'].map((id) => ({ result: resultFor(id), correlation: {}, log: () => silent })),
      new AbortController().signal,
    );

    expect(outcomes.map((outcome) => outcome.ok)).toEqual([true, true]);
    expect(h.ledger.markCalls).toBe(4);
    expect(h.producer.sends).toBe(1);
    expect(h.producer.values('acme.replies')).toHaveLength(2);
    expect([...h.ledger.booked.values()].map((row) => row.publishedAt)).toEqual([NOW, NOW]);
  });

  it('gives the batch up with the outage when the runner stops waiting for it', async () => {
    const h = harness();
    requests(h, ['req-1']);
    h.ledger.markOutages = Number.MAX_SAFE_INTEGER;
    const stopping = new AbortController();
    stopping.abort();

    const outcomes = await h.handler.handleBatch([{ result: resultFor('req-1'), correlation: {}, log: () => silent }], stopping.signal);

    expect(outcomes).toMatchObject([{ ok: false, error: { name: 'DependencyUnavailableError' } }]);
    expect(h.ledger.markCalls).toBe(1);
  });
});
