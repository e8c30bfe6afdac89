import { InferenceResultV1, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleResult } from '@sluice/contracts/testing/message.samples';
import { randomTenant } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import type { Pool } from 'pg';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { CallAhead, CompletionsRepository, SWEPT_CALL_PREFIX } from './completions.repository';

const HOUR_MS = 60 * 60 * 1000;

function call(tenant: string, requestId: string, overrides: Partial<CallAhead> = {}): CallAhead {
  return {
    callId: randomUUID(),
    resultId: resultIdFor(tenant, requestId, 'realtime', 1),
    lane: 'realtime',
    provider: 'openai',
    model: 'gpt-4o-mini',
    estimatedCostUsd: 0.0003,
    expiresAt: new Date(Date.now() - HOUR_MS),
    ...overrides,
  };
}

function result(tenant: string, requestId: string, callId: string, providerRequestId: string, usd = 0.0002): InferenceResultV1 {
  const outcome = validateMessage(
    InferenceResultV1,
    sampleResult({
      tenant,
      id: requestId,
      lane: 'realtime',
      resultId: resultIdFor(tenant, requestId, 'realtime', 1),
      callId,
      providerRequestId,
      usage: { inputTokens: 20, outputTokens: 7, cachedInputTokens: 0 },
      cost: { usd, realtimeUsd: usd, savedUsd: 0 },
    }),
  );
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

describe('provider calls written ahead (CompletionsRepository)', () => {
  let db: TestDatabase;
  let completions: CompletionsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    completions = new CompletionsRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  async function calls(tenant: string): Promise<Array<{ call_id: string; request_id: string; answered: boolean; swept: boolean }>> {
    const { rows } = await db.pool.query(
      `select call_id, request_id, answered_at is not null as answered, swept_at is not null as swept
         from provider_calls where tenant = $1 order by request_id, started_at`,
      [tenant],
    );
    return rows;
  }

  /** What the tenant's calls cost in the ledger: booked results plus extra spend. */
  async function spend(tenant: string): Promise<{ results: number; extra: Array<{ provider_request_id: string; cost_usd: string }> }> {
    const results = await db.pool.query<{ usd: string | null }>('select sum(cost_usd) as usd from request_results where tenant = $1', [tenant]);
    const extra = await db.pool.query<{ provider_request_id: string; cost_usd: string }>(
      'select provider_request_id, cost_usd from extra_spend where tenant = $1 order by provider_request_id',
      [tenant],
    );
    return { results: Number(results.rows[0]?.usd ?? 0), extra: extra.rows };
  }

  /** Sweeps until this tenant's due calls are all swept: other suites' rows may share the database. */
  async function sweepAll(): Promise<void> {
    while ((await completions.sweepUnansweredCalls(0, 1_000)).calls > 0);
  }

  it('writes the calls of unbooked requests ahead, in the statement that reads the booked results', async () => {
    const tenant = randomTenant();
    const booked = result(tenant, 'r1', randomUUID(), 'req_1');
    await completions.bookMany([booked]);
    const first = call(tenant, 'r1');
    const second = call(tenant, 'r2');

    const found = await completions.bookedResults([
      { tenant, requestId: 'r1', call: first },
      { tenant, requestId: 'r2', call: second },
      { tenant, requestId: 'r3' },
    ]);

    expect([...found.keys()]).toEqual([`${tenant}\u0000r1`]);
    expect(await calls(tenant)).toEqual([{ call_id: second.callId, request_id: 'r2', answered: false, swept: false }]);
  });

  it("writes ahead without waiting for the disk, and leaves the connection's commits synchronous after it", async () => {
    const tenant = randomTenant();
    const client = await db.pool.connect();
    try {
      const onOneConnection = new CompletionsRepository(client as unknown as Pool);
      const ahead = call(tenant, 'r1');
      await onOneConnection.bookedResults([{ tenant, requestId: 'r1', call: ahead }]);
      expect(await calls(tenant)).toEqual([{ call_id: ahead.callId, request_id: 'r1', answered: false, swept: false }]);
      expect((await client.query<{ synchronous_commit: string }>('show synchronous_commit')).rows[0]?.synchronous_commit).toBe('on');
    } finally {
      client.release();
    }
  });

  it('marks a call answered when its result is booked, and the sweep leaves it alone', async () => {
    const tenant = randomTenant();
    const ahead = call(tenant, 'r1');
    await completions.bookedResults([{ tenant, requestId: 'r1', call: ahead }]);

    await completions.bookMany([result(tenant, 'r1', ahead.callId, 'req_1')]);
    await sweepAll();

    expect(await calls(tenant)).toEqual([{ call_id: ahead.callId, request_id: 'r1', answered: true, swept: false }]);
    expect(await spend(tenant)).toEqual({ results: 0.0002, extra: [] });
  });

  it('deletes answered calls, keeping open and swept ones', async () => {
    const tenant = randomTenant();
    const answered = call(tenant, 'r1');
    const open = call(tenant, 'r2', { expiresAt: new Date(Date.now() + HOUR_MS) });
    const swept = call(tenant, 'r3');
    await completions.bookedResults([
      { tenant, requestId: 'r1', call: answered },
      { tenant, requestId: 'r2', call: open },
      { tenant, requestId: 'r3', call: swept },
    ]);
    await completions.bookMany([result(tenant, 'r1', answered.callId, 'req_1')]);
    await sweepAll();
    await completions.bookMany([result(tenant, 'r3', swept.callId, 'req_3')]);

    while ((await completions.pruneAnsweredCalls(1_000)) > 0);

    expect(await calls(tenant)).toEqual([
      { call_id: open.callId, request_id: 'r2', answered: false, swept: false },
      { call_id: swept.callId, request_id: 'r3', answered: true, swept: true },
    ]);
  });

  it('books a call never answered after its expiry as extra spend, at the estimate, once', async () => {
    const tenant = randomTenant();
    const lost = call(tenant, 'r1');
    const running = call(tenant, 'r2', { expiresAt: new Date(Date.now() + HOUR_MS) });
    await completions.bookedResults([
      { tenant, requestId: 'r1', call: lost },
      { tenant, requestId: 'r2', call: running },
    ]);

    await sweepAll();
    await sweepAll();

    expect(await spend(tenant)).toEqual({ results: 0, extra: [{ provider_request_id: `${SWEPT_CALL_PREFIX}${lost.callId}`, cost_usd: '0.0003' }] });
    expect(await calls(tenant)).toEqual([
      { call_id: lost.callId, request_id: 'r1', answered: false, swept: true },
      { call_id: running.callId, request_id: 'r2', answered: false, swept: false },
    ]);
  });

  it('books a lost call at the cost of its request answered again by the same model', async () => {
    const tenant = randomTenant();
    const lost = call(tenant, 'r1');
    await completions.bookedResults([{ tenant, requestId: 'r1', call: lost }]);
    // The worker died mid-call; the redelivered lane message is called again and answered.
    const again = call(tenant, 'r1', { expiresAt: new Date(Date.now() + HOUR_MS) });
    await completions.bookedResults([{ tenant, requestId: 'r1', call: again }]);
    await completions.bookMany([result(tenant, 'r1', again.callId, 'req_again', 0.00021)]);

    await sweepAll();

    expect(await spend(tenant)).toEqual({ results: 0.00021, extra: [{ provider_request_id: `${SWEPT_CALL_PREFIX}${lost.callId}`, cost_usd: '0.00021' }] });
  });

  it('replaces the estimate with the actual cost when the answer comes after the sweep, exactly once', async () => {
    const tenant = randomTenant();
    const late = call(tenant, 'r1');
    await completions.bookedResults([{ tenant, requestId: 'r1', call: late }]);
    await sweepAll();
    expect((await spend(tenant)).extra).toHaveLength(1);

    const answer = result(tenant, 'r1', late.callId, 'req_late', 0.00025);
    await completions.bookMany([answer]);
    await completions.bookMany([answer]);
    await sweepAll();

    expect(await spend(tenant)).toEqual({ results: 0.00025, extra: [] });
    expect(await calls(tenant)).toEqual([{ call_id: late.callId, request_id: 'r1', answered: true, swept: true }]);
  });

  it('keeps a late second call as extra spend at its actual cost in place of its estimate', async () => {
    const tenant = randomTenant();
    const late = call(tenant, 'r1');
    await completions.bookedResults([{ tenant, requestId: 'r1', call: late }]);
    const again = call(tenant, 'r1', { expiresAt: new Date(Date.now() + HOUR_MS) });
    await completions.bookedResults([{ tenant, requestId: 'r1', call: again }]);
    await completions.bookMany([result(tenant, 'r1', again.callId, 'req_again', 0.0002)]);
    await sweepAll();

    await completions.bookMany([result(tenant, 'r1', late.callId, 'req_late', 0.00024)]);

    expect(await spend(tenant)).toEqual({ results: 0.0002, extra: [{ provider_request_id: 'req_late', cost_usd: '0.00024' }] });
  });
});
