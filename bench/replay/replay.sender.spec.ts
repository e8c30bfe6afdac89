import type { TraceRow } from '../workload/trace.rows';
import { parseMix } from '../workload/urgency.rule';
import { planWorkload } from '../workload/workload.plan';
import { MAX_REQUESTS_PER_SEND, SentRequest, replayPlan } from './replay.sender';

// Trace rows all at one instant, so the replay sends at once and the test waits on nothing.
const rows: TraceRow[] = Array.from({ length: 5 }, (_, i) => ({ source: 'code' as const, index: i, atMs: 0, contextTokens: 100, generatedTokens: 10 }));
const plan = planWorkload(rows, { tenant: 't', runId: 'run', seed: 1, mix: parseMix('minutes'), speed: 1, embeddingShare: 0 });

describe('replayPlan', () => {
  it('sends what is due together, each deadline counted from the moment of sending', async () => {
    const batches: SentRequest[][] = [];
    const counts: number[] = [];
    const outcome = await replayPlan(plan, { send: async (requests) => void batches.push([...requests]), onSent: (n) => counts.push(n), now: () => 1_000 });
    expect(batches).toHaveLength(1);
    expect(batches[0]?.map((r) => r.id)).toEqual(plan.map((p) => p.request.id));
    expect(batches[0]?.every((r) => r.deadline === new Date(1_000 + 15 * 60_000).toISOString())).toBe(true);
    expect(counts).toEqual([5]);
    expect(outcome).toMatchObject({ sent: 5, failed: [], startedAtMs: 1_000, finishedAtMs: 1_000, maxLagMs: 0 });
  });

  it('splits what is due into sends of at most MAX_REQUESTS_PER_SEND, so no record batch outgrows the broker limit', async () => {
    const many = planWorkload(
      Array.from({ length: 40 }, (_, i) => ({ ...rows[0], index: i }) as TraceRow),
      { tenant: 't', runId: 'run', seed: 1, mix: parseMix('minutes'), speed: 1, embeddingShare: 0 },
    );
    const sizes: number[] = [];
    const outcome = await replayPlan(many, { send: async (requests) => void sizes.push(requests.length), now: () => 1_000 });
    expect(sizes).toEqual([MAX_REQUESTS_PER_SEND, MAX_REQUESTS_PER_SEND, 40 - 2 * MAX_REQUESTS_PER_SEND]);
    expect(outcome.sent).toBe(40);
  });

  it('reports what could not be sent instead of throwing', async () => {
    const outcome = await replayPlan(plan, { send: async () => Promise.reject(new Error('broker down')) });
    expect(outcome.sent).toBe(0);
    expect(outcome.failed).toEqual(plan.map((p) => ({ id: p.request.id, error: 'broker down' })));
  });
});
