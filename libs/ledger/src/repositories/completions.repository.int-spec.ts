import { AcceptedRequestV1, InferenceResultV1, Lane, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { randomTenant } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { CompletionsRepository } from './completions.repository';
import { requestRecordFromAccepted, RequestsRepository } from './requests.repository';

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

  async function recordRequest(tenant: string, id: string, request: Record<string, unknown> = {}): Promise<void> {
    const outcome = validateMessage(AcceptedRequestV1, sampleAccepted({ request: sampleRequest({ tenant, id, ...request }) }));
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
    const winner = result(tenant, 'r1', 'realtime');
    const loser = result(tenant, 'r1', 'batch', 1, { cost: { usd: 0.00001, realtimeUsd: 0.0001, savedUsd: 0.00009 } });
    await completions.book(winner);
    expect(await completions.book(loser)).toEqual({ outcome: 'superseded', resultId: loser.resultId, winnerResultId: winner.resultId });
    expect(await completions.book(winner)).toEqual({ outcome: 'already-booked', resultId: winner.resultId });

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

  it('learns latency percentiles with their sample counts, and sums spend, from booked completions', async () => {
    const tenant = randomTenant();
    const model = `m-${tenant}`;
    for (let i = 1; i <= 20; i++) {
      await recordRequest(tenant, `p${i}`, { notBefore: undefined });
      await completions.book(
        result(tenant, `p${i}`, 'async', 1, {
          model,
          timings: { receivedAt: '2030-01-01T00:00:00Z', completedAt: new Date(Date.parse('2030-01-01T00:00:00Z') + i * 1000).toISOString() },
        }),
      );
    }
    const p95 = await completions.latencyPercentile('openai', model, 'async', new Date('2029-01-01T00:00:00Z'));
    expect(p95.samples).toBe(20);
    expect(p95.ms).toBeCloseTo(19_050, 0);
    expect(await completions.latencyPercentile('openai', model, 'batch', new Date('2029-01-01T00:00:00Z'))).toEqual({ samples: 0, ms: undefined });
    expect(await completions.latencyPercentile('openai', model, 'async', new Date('2030-01-01T00:00:10.500Z'))).toMatchObject({ samples: 10 });

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
    await completions.book(result(tenant, 'b2', 'batch', 1, { timings: day1('23:59:59.999'), cost: { usd: 0.0000216, realtimeUsd: 0.0000432, savedUsd: 0.0000216 } }));
    // The deadline guard escalated `race`: realtime answered first, the batch result came later and lost.
    await completions.book(result(tenant, 'race', 'realtime', 2, { timings: day1('02:00:00'), cost: { usd: 0.00002, realtimeUsd: 0.00002, savedUsd: 0 } }));
    await completions.book(result(tenant, 'race', 'batch', 1, { timings: day1('03:00:00'), cost: { usd: 0.00001, realtimeUsd: 0.00002, savedUsd: 0.00001 } }));
    await completions.book(result(tenant, 'c1', 'cache', 1, { timings: day1('04:00:00'), cost: { usd: 0, realtimeUsd: 0.00003, savedUsd: 0.00003 } }));
    await completions.book(result(tenant, 'late', 'batch', 1, { timings: { receivedAt: '2030-03-01T00:00:00Z', completedAt: '2030-03-02T00:00:00Z' } }));
    await recordRequest(randomTenant(), 'b1');

    const rows = await completions.dailyCosts(tenant, new Date('2030-03-01T00:00:00Z'), new Date('2030-03-02T00:00:00Z'));
    expect(rows).toEqual([
      { day: '2030-03-01', lane: 'batch', requests: 2, results: 3, costUsd: 0.0000366, supersededCostUsd: 0.00001, realtimeCostUsd: 0.0000532, savedUsd: 0.0000166 },
      { day: '2030-03-01', lane: 'cache', requests: 1, results: 1, costUsd: 0, supersededCostUsd: 0, realtimeCostUsd: 0.00003, savedUsd: 0.00003 },
      { day: '2030-03-01', lane: 'realtime', requests: 1, results: 1, costUsd: 0.00002, supersededCostUsd: 0, realtimeCostUsd: 0.00002, savedUsd: 0 },
    ]);
    const next = await completions.dailyCosts(tenant, new Date('2030-03-02T00:00:00Z'), new Date('2030-03-03T00:00:00Z'));
    expect(next).toEqual([
      { day: '2030-03-02', lane: 'batch', requests: 1, results: 1, costUsd: 0.00005, supersededCostUsd: 0, realtimeCostUsd: 0.0001, savedUsd: 0.00005 },
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
    expect(await completions.latencyPercentile('openai', model, 'batch', new Date('2029-01-01T00:00:00Z'))).toEqual({ samples: 1, ms: 5_000 });
  });
});
