import { AcceptedRequestV1, InferenceResultV1, Lane, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { randomTenant } from '@sluice/testing';
import { createPool } from '../client/database.pool';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { CompletionsRepository } from './completions.repository';
import { requestKey, requestRecordFromAccepted, RequestsRepository } from './requests.repository';

function result(tenant: string, requestId: string, lane: Lane, attempt = 1, overrides: Record<string, unknown> = {}): InferenceResultV1 {
  const outcome = validateMessage(
    InferenceResultV1,
    sampleResult({ tenant, id: requestId, lane, resultId: resultIdFor(tenant, requestId, lane, attempt), ...overrides }),
  );
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

describe('CompletionsRepository', () => {
  let db: TestDatabase;
  let completions: CompletionsRepository;
  let requests: RequestsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    completions = new CompletionsRepository(db.pool);
    requests = new RequestsRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  async function recordRequest(tenant: string, id: string, request: Record<string, unknown> = {}, receivedAt?: string): Promise<void> {
    const outcome = validateMessage(
      AcceptedRequestV1,
      sampleAccepted({ ...(receivedAt && { receivedAt }), request: sampleRequest({ tenant, id, ...request }) }),
    );
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    await requests.insert(requestRecordFromAccepted(outcome.value));
  }

  it('books a result and completes its request', async () => {
    const tenant = randomTenant();
    await recordRequest(tenant, 'r1');
    expect(await completions.book(result(tenant, 'r1', 'batch'))).toEqual({ outcome: 'booked', resultId: `${tenant}.r1.batch.1` });
    expect(await requests.get(tenant, 'r1')).toMatchObject({
      status: 'succeeded',
      lane: 'batch',
      costUsd: 0.00005,
      realtimeCostUsd: 0.0001,
      savedUsd: 0.00005,
      deadlineMet: true,
      resultId: `${tenant}.r1.batch.1`,
    });
    expect(await completions.get(tenant, 'r1')).toMatchObject({ resultId: `${tenant}.r1.batch.1`, status: 'succeeded', costUsd: 0.00005 });
  });

  it('recognises a redelivery of the booked result', async () => {
    const tenant = randomTenant();
    await recordRequest(tenant, 'r1');
    await completions.book(result(tenant, 'r1', 'realtime'));
    expect(await completions.book(result(tenant, 'r1', 'realtime'))).toEqual({ outcome: 'already-booked', resultId: `${tenant}.r1.realtime.1` });
  });

  it('books exactly one of many results racing for one request, and records all of them', async () => {
    const tenant = randomTenant();
    await recordRequest(tenant, 'race');
    const contenders = [
      ...Array.from({ length: 8 }, (_, i) => result(tenant, 'race', 'realtime', i + 1)),
      ...Array.from({ length: 8 }, (_, i) => result(tenant, 'race', 'batch', i + 1)),
    ];
    // Each result is also delivered twice, as an at-least-once consumer may.
    const outcomes = await Promise.all([...contenders, ...contenders].map((r) => completions.book(r)));

    const booked = outcomes.filter((o) => o.outcome === 'booked');
    expect(booked).toHaveLength(1);
    const winner = booked[0].resultId;
    expect(outcomes.filter((o) => o.outcome === 'already-booked')).toEqual([{ outcome: 'already-booked', resultId: winner }]);
    expect(outcomes.filter((o) => o.outcome === 'superseded').every((o) => o.outcome === 'superseded' && o.winnerResultId === winner)).toBe(true);

    expect((await requests.get(tenant, 'race'))?.resultId).toBe(winner);
    expect((await completions.deliveredResult(tenant, 'race'))?.resultId).toBe(winner);
    expect((await completions.resultIdsOf(tenant, 'race')).sort()).toEqual(contenders.map((r) => r.resultId).sort());
    const { rows } = await db.pool.query('select count(*)::int as n from completions where tenant = $1', [tenant]);
    expect(rows[0].n).toBe(1);
  });

  it('stores the booked result as the delivered one, readable by its tenant only', async () => {
    const tenant = randomTenant();
    const other = randomTenant();
    await recordRequest(tenant, 'r1');
    const delivered = result(tenant, 'r1', 'realtime', 1, { metadata: { order: '42' } });
    expect((await completions.book(delivered)).outcome).toBe('booked');

    const stored = await completions.deliveredResult(tenant, 'r1');
    expect(stored).toEqual(JSON.parse(JSON.stringify(delivered)));
    expect(validateMessage(InferenceResultV1, stored).ok).toBe(true);
    expect(await completions.deliveredResult(other, 'r1')).toBeUndefined();
    expect(await completions.deliveredResult(tenant, 'nope')).toBeUndefined();
  });

  it('keeps the winner as the delivered result when a later result is superseded', async () => {
    const tenant = randomTenant();
    await recordRequest(tenant, 'r1');
    const model = `m-${tenant}`;
    const winner = result(tenant, 'r1', 'realtime', 1, { model });
    const loser = result(tenant, 'r1', 'batch', 1, { model, cost: { usd: 0.00001, realtimeUsd: 0.0001, savedUsd: 0.00009 } });
    await completions.book(winner);
    expect(await completions.book(loser)).toEqual({ outcome: 'superseded', resultId: loser.resultId, winnerResultId: winner.resultId });
    expect(await completions.book(winner)).toEqual({ outcome: 'already-booked', resultId: winner.resultId });
    // The answer that lost the race still tells how long its lane took.
    const lanes = (await completions.turnarounds(new Date('2020-01-01T00:00:00Z'), [1])).filter((row) => row.model === model).map((row) => row.lane);
    expect(lanes.sort()).toEqual(['batch', 'realtime']);

    expect(await completions.deliveredResult(tenant, 'r1')).toMatchObject({ resultId: winner.resultId, lane: 'realtime', cost: winner.cost });
  });

  it('books a failure with its error code', async () => {
    const tenant = randomTenant();
    await recordRequest(tenant, 'r1');
    const failed = result(tenant, 'r1', 'realtime', 1, {
      status: 'failed',
      response: undefined,
      error: { code: 'PROVIDER_INVALID_REQUEST', message: 'bad', retryable: false, providerRequestId: 'req_1' },
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    });
    expect((await completions.book(failed)).outcome).toBe('booked');
    expect(await requests.get(tenant, 'r1')).toMatchObject({ status: 'failed', errorCode: 'PROVIDER_INVALID_REQUEST' });
  });

  it('reads the turnaround quantiles of every model and lane since a time in one query, and sums spend, from booked completions', async () => {
    const tenant = randomTenant();
    const model = `m-${tenant}`;
    for (let i = 1; i <= 20; i++) {
      await recordRequest(tenant, `p${i}`, { notBefore: undefined }, '2030-01-01T00:00:00Z');
      await completions.book(
        result(tenant, `p${i}`, 'async', 1, {
          model,
          timings: { receivedAt: '2030-01-01T00:00:00Z', completedAt: new Date(Date.parse('2030-01-01T00:00:00Z') + i * 1000).toISOString() },
        }),
      );
    }
    const mine = async (since: string) => (await completions.turnarounds(new Date(since), [0.5, 0.95, 1])).filter((row) => row.model === model);
    expect(await mine('2029-01-01T00:00:00Z')).toEqual([
      { provider: 'openai', model, lane: 'async', answered: 20, expired: 0, quantilesMs: [10_500, 19_050, 20_000] },
    ]);
    expect(await mine('2030-01-01T00:00:10.500Z')).toMatchObject([{ answered: 10, quantilesMs: [15_500, 19_550, 20_000] }]);
    expect(await mine('2031-01-01T00:00:00Z')).toEqual([]);

    const spend = await completions.spendSince(tenant, new Date('2029-01-01T00:00:00Z'));
    expect(spend.requests).toBe(20);
    expect(spend.costUsd).toBeCloseTo(0.001, 10);
    expect(spend.savedUsd).toBeCloseTo(0.001, 10);
    // The router's read of all budgeted tenants at once: a tenant without completions is absent.
    const costs = await completions.costsSince([tenant, randomTenant()], new Date('2029-01-01T00:00:00Z'));
    expect([...costs.keys()]).toEqual([tenant]);
    expect(costs.get(tenant)).toBeCloseTo(0.001, 10);
  });

  it('reports daily costs per lane: every billed result as spent, realtime cost once per request, the saving net of both', async () => {
    const tenant = randomTenant();
    const day1 = (time: string) => ({ receivedAt: '2030-03-01T00:00:00Z', completedAt: `2030-03-01T${time}Z` });
    for (const id of ['b1', 'b2', 'race', 'c1', 'late']) await recordRequest(tenant, id);
    await completions.book(result(tenant, 'b1', 'batch', 1, { timings: day1('01:00:00'), cost: { usd: 0.000005, realtimeUsd: 0.00001, savedUsd: 0.000005 } }));
    await completions.book(
      result(tenant, 'b2', 'batch', 1, { timings: day1('23:59:59.999'), cost: { usd: 0.0000216, realtimeUsd: 0.0000432, savedUsd: 0.0000216 } }),
    );
    // The deadline guard escalated `race`: realtime answered first, the batch result came later and lost.
    await completions.book(result(tenant, 'race', 'realtime', 2, { timings: day1('02:00:00'), cost: { usd: 0.00002, realtimeUsd: 0.00002, savedUsd: 0 } }));
    await completions.book(result(tenant, 'race', 'batch', 1, { timings: day1('03:00:00'), cost: { usd: 0.00001, realtimeUsd: 0.00002, savedUsd: 0.00001 } }));
    await completions.book(result(tenant, 'c1', 'cache', 1, { timings: day1('04:00:00'), cost: { usd: 0, realtimeUsd: 0.00003, savedUsd: 0.00003 } }));
    await completions.book(result(tenant, 'late', 'batch', 1, { timings: { receivedAt: '2030-03-01T00:00:00Z', completedAt: '2030-03-02T00:00:00Z' } }));
    await recordRequest(randomTenant(), 'b1');

    const rows = await completions.dailyCosts(tenant, new Date('2030-03-01T00:00:00Z'), new Date('2030-03-02T00:00:00Z'));
    expect(rows).toEqual([
      {
        day: '2030-03-01',
        lane: 'batch',
        requests: 2,
        results: 3,
        costUsd: 0.0000366,
        supersededCostUsd: 0.00001,
        extraCalls: 0,
        extraCostUsd: 0,
        realtimeCostUsd: 0.0000532,
        savedUsd: 0.0000166,
      },
      {
        day: '2030-03-01',
        lane: 'cache',
        requests: 1,
        results: 1,
        costUsd: 0,
        supersededCostUsd: 0,
        extraCalls: 0,
        extraCostUsd: 0,
        realtimeCostUsd: 0.00003,
        savedUsd: 0.00003,
      },
      {
        day: '2030-03-01',
        lane: 'realtime',
        requests: 1,
        results: 1,
        costUsd: 0.00002,
        supersededCostUsd: 0,
        extraCalls: 0,
        extraCostUsd: 0,
        realtimeCostUsd: 0.00002,
        savedUsd: 0,
      },
    ]);
    const next = await completions.dailyCosts(tenant, new Date('2030-03-02T00:00:00Z'), new Date('2030-03-03T00:00:00Z'));
    expect(next).toEqual([
      {
        day: '2030-03-02',
        lane: 'batch',
        requests: 1,
        results: 1,
        costUsd: 0.00005,
        supersededCostUsd: 0,
        extraCalls: 0,
        extraCostUsd: 0,
        realtimeCostUsd: 0.0001,
        savedUsd: 0.00005,
      },
    ]);
    expect(await completions.dailyCosts(randomTenant(), new Date('2030-03-01T00:00:00Z'), new Date('2030-03-03T00:00:00Z'))).toEqual([]);
  });

  it('counts latency from notBefore for a request that waited for it, and leaves failures out', async () => {
    const tenant = randomTenant();
    const model = `m-${tenant}`;
    const receivedAt = '2030-01-01T00:00:00.000Z';
    // Held an hour for its off-peak window, then 5 s on the lane.
    await recordRequest(tenant, 'held', { notBefore: '2030-01-01T01:00:00.000Z' });
    await completions.book(result(tenant, 'held', 'batch', 1, { model, timings: { receivedAt, completedAt: '2030-01-01T01:00:05.000Z' } }));
    await recordRequest(tenant, 'failed', { notBefore: undefined });
    await completions.book(
      result(tenant, 'failed', 'batch', 1, {
        model,
        status: 'failed',
        response: undefined,
        error: { code: 'PROVIDER_INVALID_REQUEST', message: 'bad', retryable: false },
        cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
        timings: { receivedAt, completedAt: '2030-01-01T09:00:00.000Z' },
      }),
    );
    await recordRequest(tenant, 'expired', { notBefore: undefined });
    await completions.book(
      result(tenant, 'expired', 'batch', 1, {
        model,
        status: 'failed',
        response: undefined,
        error: { code: 'BATCH_EXPIRED', message: 'the batch expired before this request ran', retryable: true },
        cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
        timings: { receivedAt, completedAt: '2030-01-02T00:00:00.000Z' },
      }),
    );
    const rows = (await completions.turnarounds(new Date('2029-01-01T00:00:00Z'), [1])).filter((row) => row.model === model);
    expect(rows).toEqual([{ provider: 'openai', model, lane: 'batch', answered: 1, expired: 1, quantilesMs: [5_000] }]);
  });

  describe('bookMany', () => {
    async function recordRequests(tenant: string, ids: readonly string[]): Promise<void> {
      await requests.insertMany(
        ids.map((id) => {
          const outcome = validateMessage(AcceptedRequestV1, sampleAccepted({ request: sampleRequest({ tenant, id }) }));
          if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
          return requestRecordFromAccepted(outcome.value);
        }),
      );
    }

    it('books every result of a batch, completes the requests and stores the delivered results, as book does', async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1', 'r2']);
      const batch = [result(tenant, 'r1', 'batch'), result(tenant, 'r2', 'realtime', 1, { cost: { usd: 0.0001, realtimeUsd: 0.0001, savedUsd: 0 } })];

      expect(await completions.bookMany(batch)).toEqual([
        { outcome: 'booked', resultId: batch[0].resultId, published: false, extraSpend: false },
        { outcome: 'booked', resultId: batch[1].resultId, published: false, extraSpend: false },
      ]);
      expect(await requests.get(tenant, 'r1')).toMatchObject({
        status: 'succeeded',
        lane: 'batch',
        costUsd: 0.00005,
        realtimeCostUsd: 0.0001,
        savedUsd: 0.00005,
        deadlineMet: true,
        resultId: batch[0].resultId,
      });
      expect(await requests.get(tenant, 'r2')).toMatchObject({ status: 'succeeded', lane: 'realtime', costUsd: 0.0001, savedUsd: 0 });
      expect(await completions.get(tenant, 'r2')).toMatchObject({ resultId: batch[1].resultId, costUsd: 0.0001, publishedAt: null });
      expect(await completions.deliveredResult(tenant, 'r1')).toEqual(JSON.parse(JSON.stringify(batch[0])));
      expect(await completions.resultIdsOf(tenant, 'r1')).toEqual([batch[0].resultId]);
    });

    it('books one of two results of one request in a batch, the first, and records and bills both', async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1', 'r2']);
      const late = result(tenant, 'r1', 'batch');
      const escalated = result(tenant, 'r1', 'realtime', 2);
      const other = result(tenant, 'r2', 'batch');

      expect(await completions.bookMany([late, other, escalated, late])).toEqual([
        { outcome: 'booked', resultId: late.resultId, published: false, extraSpend: false },
        { outcome: 'booked', resultId: other.resultId, published: false, extraSpend: false },
        { outcome: 'superseded', resultId: escalated.resultId, winnerResultId: late.resultId, published: false, extraSpend: false },
        { outcome: 'already-booked', resultId: late.resultId, published: false, extraSpend: false },
      ]);
      expect((await completions.resultIdsOf(tenant, 'r1')).sort()).toEqual([late.resultId, escalated.resultId].sort());
      expect(await requests.get(tenant, 'r1')).toMatchObject({ lane: 'batch', resultId: late.resultId });
      const billed = await db.pool.query<{ total: string }>('select sum(cost_usd) as total from request_results where tenant = $1 and request_id = $2', [
        tenant,
        'r1',
      ]);
      expect(Number(billed.rows[0].total)).toBeCloseTo(late.cost.usd + escalated.cost.usd, 10);
    });

    it('tells a redelivered batch apart: already booked, published or not, and superseded against the earlier winner', async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1', 'r2', 'r3']);
      const first = [result(tenant, 'r1', 'batch'), result(tenant, 'r2', 'batch'), result(tenant, 'r3', 'async')];
      await completions.bookMany(first);
      await completions.markPublishedMany([
        { tenant, requestId: 'r1' },
        { tenant, requestId: 'r3' },
      ]);
      const loser = result(tenant, 'r3', 'realtime', 2);

      expect(await completions.bookMany([...first.slice(0, 2), loser])).toEqual([
        { outcome: 'already-booked', resultId: first[0].resultId, published: true, extraSpend: false },
        { outcome: 'already-booked', resultId: first[1].resultId, published: false, extraSpend: false },
        { outcome: 'superseded', resultId: loser.resultId, winnerResultId: first[2].resultId, published: true, extraSpend: false },
      ]);
      expect(await requests.get(tenant, 'r3')).toMatchObject({ lane: 'async', resultId: first[2].resultId });
    });

    it('agrees with book on what was booked by either', async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1']);
      const booked = result(tenant, 'r1', 'realtime');
      await completions.book(booked);

      expect(await completions.bookMany([booked])).toEqual([{ outcome: 'already-booked', resultId: booked.resultId, published: false, extraSpend: false }]);
      expect(await completions.book(result(tenant, 'r1', 'batch'))).toMatchObject({ outcome: 'superseded', winnerResultId: booked.resultId });
    });

    it("books another call's answer to a booked result as extra spend, once per call, and never as a second result", async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1', 'r2']);
      const cost = { usd: 0.0002, realtimeUsd: 0.0002, savedUsd: 0 };
      const first = result(tenant, 'r1', 'realtime', 1, { providerRequestId: 'call-1', cost });
      // The lane message was redelivered after a crash and answered by a second call: same result id.
      const second = result(tenant, 'r1', 'realtime', 1, { providerRequestId: 'call-2', cost });
      const other = result(tenant, 'r2', 'realtime', 1, { providerRequestId: 'call-3', cost });
      await completions.bookMany([first]);

      expect(await completions.bookMany([second, other, first, second])).toEqual([
        { outcome: 'already-booked', resultId: first.resultId, published: false, extraSpend: true },
        { outcome: 'booked', resultId: other.resultId, published: false, extraSpend: false },
        { outcome: 'already-booked', resultId: first.resultId, published: false, extraSpend: false },
        { outcome: 'already-booked', resultId: first.resultId, published: false, extraSpend: false },
      ]);
      // The notifier handling the same results again books nothing more.
      expect((await completions.bookMany([second])).map((booking) => booking.extraSpend)).toEqual([false]);

      const { rows } = await db.pool.query<{ provider_request_id: string; result_id: string; cost_usd: string }>(
        'select provider_request_id, result_id, cost_usd from extra_spend where tenant = $1',
        [tenant],
      );
      expect(rows).toEqual([{ provider_request_id: 'call-2', result_id: first.resultId, cost_usd: '0.0002' }]);
      expect(await completions.resultIdsOf(tenant, 'r1')).toEqual([first.resultId]);
      expect(await completions.deliveredResult(tenant, 'r1')).toMatchObject({ providerRequestId: 'call-1' });
    });

    it('books the second of two calls for one result in one batch as extra spend, and leaves free calls out', async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1', 'r2']);
      const cost = { usd: 0.0001, realtimeUsd: 0.0001, savedUsd: 0 };
      const first = result(tenant, 'r1', 'async', 1, { providerRequestId: 'call-a', cost });
      const second = result(tenant, 'r1', 'async', 1, { providerRequestId: 'call-b', cost });
      const cached = result(tenant, 'r2', 'cache', 1, { providerRequestId: 'call-c', cost: { usd: 0, realtimeUsd: 0.0001, savedUsd: 0.0001 } });
      const cachedAgain = { ...cached, providerRequestId: 'call-d' };

      expect((await completions.bookMany([first, second, cached, cachedAgain])).map(({ outcome, extraSpend }) => ({ outcome, extraSpend }))).toEqual([
        { outcome: 'booked', extraSpend: false },
        { outcome: 'already-booked', extraSpend: true },
        { outcome: 'booked', extraSpend: false },
        { outcome: 'already-booked', extraSpend: false },
      ]);
      const days = await completions.dailyCosts(tenant, new Date('2000-01-01T00:00:00Z'), new Date('2100-01-01T00:00:00Z'));
      const async = days.find((row) => row.lane === 'async');
      expect(async).toMatchObject({
        requests: 1,
        results: 1,
        extraCalls: 1,
        extraCostUsd: 0.0001,
        costUsd: 0.0002,
        realtimeCostUsd: 0.0001,
        savedUsd: -0.0001,
      });
    });

    it('reads the booked completions of a batch of requests in one go, with their results and whether they were published', async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1', 'r2', 'r3']);
      const [r1, r2] = [result(tenant, 'r1', 'realtime'), result(tenant, 'r2', 'batch')];
      await completions.bookMany([r1, r2]);
      await completions.markPublishedMany([{ tenant, requestId: 'r2' }]);

      const booked = await completions.bookedResults(['r1', 'r2', 'r3', 'r1'].map((requestId) => ({ tenant, requestId })));
      expect([...booked.keys()].sort()).toEqual([requestKey(tenant, 'r1'), requestKey(tenant, 'r2')].sort());
      expect(
        [...booked.values()]
          .map(({ requestId, published, result }) => ({ requestId, published, resultId: result?.resultId }))
          .sort((a, b) => a.requestId.localeCompare(b.requestId)),
      ).toEqual([
        { requestId: 'r1', published: false, resultId: r1.resultId },
        { requestId: 'r2', published: true, resultId: r2.resultId },
      ]);
      expect(await completions.bookedResults([])).toEqual(new Map());
    });

    it('marks published once: a repeat keeps the first time', async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1', 'r2']);
      await completions.bookMany([result(tenant, 'r1', 'batch'), result(tenant, 'r2', 'batch')]);
      await completions.markPublishedMany([{ tenant, requestId: 'r1' }]);
      const firstTime = (await completions.get(tenant, 'r1'))?.publishedAt;

      await completions.markPublishedMany([
        { tenant, requestId: 'r1' },
        { tenant, requestId: 'r2' },
      ]);

      expect((await completions.get(tenant, 'r1'))?.publishedAt).toEqual(firstTime);
      expect((await completions.get(tenant, 'r2'))?.publishedAt).toEqual(expect.any(Date));
    });

    it('rolls a batch back whole when one of its results cannot be stored', async () => {
      const tenant = randomTenant();
      await recordRequests(tenant, ['r1', 'r2']);
      // PostgreSQL's jsonb refuses \u0000: the poison a result can carry from a provider's answer.
      const poison = result(tenant, 'r2', 'batch', 1, { response: { text: 'a\u0000b' } });

      await expect(completions.bookMany([result(tenant, 'r1', 'batch'), poison])).rejects.toMatchObject({ code: '22P05' });
      expect(await completions.get(tenant, 'r1')).toBeUndefined();
      expect(await completions.resultIdsOf(tenant, 'r1')).toEqual([]);
    });

    it('books each request exactly once when two copies book the same results at once, in opposite orders', async () => {
      const tenant = randomTenant();
      const ids = Array.from({ length: 400 }, (_, i) => `r${i}`);
      await recordRequests(tenant, ids);
      const copies = [createPool(db.url, { max: 2 }), createPool(db.url, { max: 2 })];
      try {
        const batch = ids.map((id, i) => result(tenant, id, i % 2 === 0 ? 'batch' : 'async'));
        // The other copy saw the escalated realtime answer of every third request, and in another order.
        const other = ids.map((id, i) => (i % 3 === 0 ? result(tenant, id, 'realtime', 2) : batch[i])).reverse();
        const [mine, theirs] = await Promise.all([new CompletionsRepository(copies[0]).bookMany(batch), new CompletionsRepository(copies[1]).bookMany(other)]);

        const theirsInOrder = [...theirs].reverse();
        for (const [i, id] of ids.entries()) {
          const outcomes = [mine[i].outcome, theirsInOrder[i].outcome];
          const winner = (await completions.get(tenant, id))?.resultId;
          expect({ id, booked: outcomes.filter((outcome) => outcome === 'booked').length }).toEqual({ id, booked: 1 });
          expect(winner === batch[i].resultId || winner === other[ids.length - 1 - i].resultId).toBe(true);
        }
        const { rows } = await db.pool.query<{ n: string }>('select count(*) as n from completions where tenant = $1', [tenant]);
        expect(Number(rows[0].n)).toBe(ids.length);
      } finally {
        await Promise.all(copies.map((pool) => pool.end()));
      }
    });
  });
});
