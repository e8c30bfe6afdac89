import { AcceptedRequestV1, InferenceResultV1, Lane, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { randomTenant } from '@sluice/testing';
import { createPool } from '../client/database.pool';
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

describe('CompletionsRepository.bookMany', () => {
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
      { outcome: 'booked', resultId: batch[0].resultId, published: false },
      { outcome: 'booked', resultId: batch[1].resultId, published: false },
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
      { outcome: 'booked', resultId: late.resultId, published: false },
      { outcome: 'booked', resultId: other.resultId, published: false },
      { outcome: 'superseded', resultId: escalated.resultId, winnerResultId: late.resultId, published: false },
      { outcome: 'already-booked', resultId: late.resultId, published: false },
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
    await completions.markPublishedMany([{ tenant, requestId: 'r1' }, { tenant, requestId: 'r3' }]);
    const loser = result(tenant, 'r3', 'realtime', 2);

    expect(await completions.bookMany([...first.slice(0, 2), loser])).toEqual([
      { outcome: 'already-booked', resultId: first[0].resultId, published: true },
      { outcome: 'already-booked', resultId: first[1].resultId, published: false },
      { outcome: 'superseded', resultId: loser.resultId, winnerResultId: first[2].resultId, published: true },
    ]);
    expect(await requests.get(tenant, 'r3')).toMatchObject({ lane: 'async', resultId: first[2].resultId });
  });

  it('agrees with book on what was booked by either', async () => {
    const tenant = randomTenant();
    await recordRequests(tenant, ['r1']);
    const booked = result(tenant, 'r1', 'realtime');
    await completions.book(booked);

    expect(await completions.bookMany([booked])).toEqual([{ outcome: 'already-booked', resultId: booked.resultId, published: false }]);
    expect(await completions.book(result(tenant, 'r1', 'batch'))).toMatchObject({ outcome: 'superseded', winnerResultId: booked.resultId });
  });

  it('marks published once: a repeat keeps the first time', async () => {
    const tenant = randomTenant();
    await recordRequests(tenant, ['r1', 'r2']);
    await completions.bookMany([result(tenant, 'r1', 'batch'), result(tenant, 'r2', 'batch')]);
    await completions.markPublishedMany([{ tenant, requestId: 'r1' }]);
    const firstTime = (await completions.get(tenant, 'r1'))?.publishedAt;

    await completions.markPublishedMany([{ tenant, requestId: 'r1' }, { tenant, requestId: 'r2' }]);

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
      const [mine, theirs] = await Promise.all([
        new CompletionsRepository(copies[0]).bookMany(batch),
        new CompletionsRepository(copies[1]).bookMany(other),
      ]);

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
