import { DEFAULT_POLICY } from '@sluice/routing';
import type { TraceRow } from '../workload/trace.rows';
import { parseMix } from '../workload/urgency.rule';
import { PlannedRequest, planWorkload } from '../workload/workload.plan';
import type { RequestOutcome } from './ledger.outcomes';
import { summarizeReplay } from './replay.summary';

const NOW = Date.UTC(2026, 0, 1, 12, 0, 0);

function rows(count: number): TraceRow[] {
  return Array.from({ length: count }, (_, i) => ({ source: 'conv' as const, index: i, atMs: i * 100, contextTokens: 1000, generatedTokens: 100 }));
}

function plan(mix: string, count: number): PlannedRequest[] {
  return planWorkload(rows(count), { tenant: 't', runId: 'run', seed: 1, mix: parseMix(mix), speed: 1, embeddingShare: 0 });
}

function answered(
  planned: PlannedRequest,
  lane: string,
  overrides: Partial<NonNullable<RequestOutcome['completion']>> & { billedUsd?: number; results?: number } = {},
): RequestOutcome {
  const { billedUsd, results, ...completion } = overrides;
  return {
    id: planned.request.id,
    status: completion.status ?? 'succeeded',
    routedLane: lane,
    decisionReason: 'slack-allows-async',
    deadline: new Date(NOW - 1),
    completion: {
      lane,
      status: 'succeeded',
      deadlineMet: true,
      receivedAt: new Date(NOW - 2_000),
      completedAt: new Date(NOW - 1_000),
      inputTokens: planned.expectedUsage.inputTokens,
      outputTokens: planned.expectedUsage.outputTokens,
      cachedInputTokens: 0,
      ...completion,
    },
    results: results ?? 1,
    billedUsd: billedUsd ?? 0.001,
  };
}

describe('summarizeReplay', () => {
  // gpt-5 (conv), 1000 input and 100 output tokens: 0.00125 + 0.001 = 0.00225 USD at list price.
  const LIST = 0.00225;

  it('counts lanes and deadlines as delivered and compares the billed cost with the baselines', () => {
    const minutes = plan('minutes', 3);
    const outcomes = new Map(minutes.map((p) => [p.request.id, answered(p, 'async', { billedUsd: LIST / 2 })]));
    const summary = summarizeReplay(minutes, outcomes, DEFAULT_POLICY, { nowMs: NOW });
    expect(summary).toMatchObject({ requests: 3, answered: 3, complete: true, unanswered: [] });
    expect(summary.lanes).toEqual([{ lane: 'async', requests: 3, billedUsd: expect.closeTo((3 * LIST) / 2, 12) }]);
    expect(summary.classes).toEqual([
      { urgency: 'minutes', deadlineMs: 900_000, requests: 3, met: 3, late: 0, failed: 0, noResult: 0, pending: 0, attainment: 1, lanes: { async: 3 } },
    ]);
    expect(summary.cost.requests).toBe(3);
    expect(summary.cost.allRealtimeUsd).toBeCloseTo(3 * LIST, 12);
    expect(summary.cost.lowerBoundUsd).toBeCloseTo((3 * LIST) / 2, 12);
    expect(summary.cost.ratioToLowerBound).toBeCloseTo(1, 12);
    expect(summary.cost.savedPct).toBeCloseTo(50, 9);
    expect(summary.cost.naiveAllBatch.missedDeadlines).toBe(3);
  });

  it('bills an escalated request for both of its results, so it costs more than its bound', () => {
    const [one] = plan('hours', 1) as [PlannedRequest];
    const summary = summarizeReplay([one], new Map([[one.request.id, answered(one, 'realtime', { billedUsd: LIST * 1.5, results: 2 })]]), DEFAULT_POLICY, {
      nowMs: NOW,
    });
    expect(summary.cost.sluiceUsd).toBeCloseTo(LIST * 1.5, 12);
    expect(summary.cost.ratioToLowerBound).toBeCloseTo(3, 9);
    expect(summary.lanes).toEqual([{ lane: 'realtime', requests: 1, billedUsd: expect.closeTo(LIST * 1.5, 12) }]);
  });

  it('tells late, failed, missing and pending requests apart, and keeps them out of the cost comparison', () => {
    const four = plan('interactive', 5);
    const [late, failed, missing, pending, notSent] = four as [PlannedRequest, PlannedRequest, PlannedRequest, PlannedRequest, PlannedRequest];
    const outcomes = new Map<string, RequestOutcome>([
      [late.request.id, answered(late, 'realtime', { deadlineMet: false })],
      [failed.request.id, answered(failed, 'realtime', { status: 'failed', inputTokens: 0, outputTokens: 0, billedUsd: 0 })],
      [
        missing.request.id,
        {
          id: missing.request.id,
          status: 'routed',
          routedLane: 'realtime',
          decisionReason: 'stream-needs-realtime',
          deadline: new Date(NOW - 1),
          results: 0,
          billedUsd: 0,
        },
      ],
      [
        pending.request.id,
        {
          id: pending.request.id,
          status: 'batched',
          routedLane: 'batch',
          decisionReason: 'slack-allows-batch',
          deadline: new Date(NOW + 60_000),
          results: 0,
          billedUsd: 0,
        },
      ],
    ]);
    const summary = summarizeReplay(four, outcomes, DEFAULT_POLICY, { nowMs: NOW, notSent: new Map([[notSent.request.id, 'broker down']]) });
    expect(summary.classes[0]).toMatchObject({ requests: 5, met: 0, late: 1, failed: 1, noResult: 2, pending: 1, attainment: 0 });
    expect(summary.complete).toBe(false);
    expect(summary.answered).toBe(2);
    expect(summary.cost.requests).toBe(1);
    expect(summary.unanswered).toEqual([
      {
        id: missing.request.id,
        urgency: 'interactive',
        status: 'routed',
        routedLane: 'realtime',
        deadline: new Date(NOW - 1).toISOString(),
        pastDeadline: true,
      },
      {
        id: pending.request.id,
        urgency: 'interactive',
        status: 'batched',
        routedLane: 'batch',
        deadline: new Date(NOW + 60_000).toISOString(),
        pastDeadline: false,
      },
      { id: notSent.request.id, urgency: 'interactive', status: 'not sent: broker down', routedLane: null, deadline: null, pastDeadline: true },
    ]);
  });

  it('leaves attainment undecided while every request of a class is pending', () => {
    const [one] = plan('hours', 1) as [PlannedRequest];
    const outcome: RequestOutcome = {
      id: one.request.id,
      status: 'routed',
      routedLane: 'batch',
      decisionReason: 'slack-allows-batch',
      deadline: new Date(NOW + 3_600_000),
      results: 0,
      billedUsd: 0,
    };
    const summary = summarizeReplay([one], new Map([[one.request.id, outcome]]), DEFAULT_POLICY, { nowMs: NOW });
    expect(summary.classes[0]).toMatchObject({ pending: 1, attainment: null });
    expect(summary.cost).toMatchObject({ requests: 0, sluiceUsd: 0, ratioToLowerBound: null, savedPct: null });
  });
});
