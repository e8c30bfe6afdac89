import { summarizeCost, RunRequest } from './cost.summary';
import type { LaneObservation } from './lane.observations';
import { laneCostUsd, listPriceOf } from './list.prices';

const mini = listPriceOf('openai', 'gpt-4o-mini');
const usage = { inputTokens: 1_000, outputTokens: 100 };
const observations: LaneObservation[] = [
  { provider: 'openai', model: 'gpt-4o-mini', lane: 'realtime', startMs: 0, endMs: 1_000 },
  { provider: 'openai', model: 'gpt-4o-mini', lane: 'async', startMs: 0, endMs: 1_000 },
  { provider: 'openai', model: 'gpt-4o-mini', lane: 'batch', startMs: 2_000, endMs: 8_000 },
];
const request = (id: string, deadlineMs: number, results: RunRequest['results'], delivered: RunRequest['delivered'], escalated = false): RunRequest => ({
  id,
  provider: 'openai',
  model: 'gpt-4o-mini',
  sentAtMs: 1_000,
  deadlineMs,
  usage,
  results,
  delivered,
  escalated,
});
const options = { fixedEstimates: { asyncMs: 1_000, batchMs: 5_000 }, escalationLeadMs: 2_000, maxRatioToOracle: 1.1 };
const rt = laneCostUsd(mini, usage, 'realtime');
const batch = laneCostUsd(mini, usage, 'batch');

describe('summarizeCost', () => {
  it('compares Sluice with the oracle, all-realtime and the fixed rule, by hand-computed figures', () => {
    const summary = summarizeCost(
      [
        // Batch ended 7 s after sending: the oracle takes batch for a 20 s deadline; Sluice did too.
        request('a', 20_000, [{ lane: 'batch', succeeded: true, usage }], { lane: 'batch', succeeded: true, completedAtMs: 8_000 }),
        // 4 s: only realtime makes it. Sluice used realtime. The fixed rule (4 s < 5 s batch estimate) goes async at list price.
        request('b', 4_000, [{ lane: 'realtime', succeeded: true, usage }], { lane: 'realtime', succeeded: true, completedAtMs: 2_000 }),
        // 8 s: the fixed rule sends it to batch, which is late by the lead: escalated and paid twice. Sluice escalated too.
        request(
          'c',
          8_000,
          [
            { lane: 'batch', succeeded: true, usage },
            { lane: 'realtime', succeeded: true, usage },
          ],
          { lane: 'realtime', succeeded: true, completedAtMs: 8_500 },
          true,
        ),
      ],
      observations,
      options,
    );
    expect(summary.sluice).toMatchObject({ escalated: 1, doublePaid: 1, met: 3, lanes: { realtime: 2, batch: 1 } });
    expect(summary.sluice.usd).toBeCloseTo(batch + rt + batch + rt, 12);
    // c: batch ends 7 s after sending, inside 8 s: the oracle takes batch.
    expect(summary.oracle).toMatchObject({ meetable: 3, lanes: { realtime: 1, batch: 2 } });
    expect(summary.oracle.usd).toBeCloseTo(batch + rt + batch, 12);
    expect(summary.allRealtimeUsd).toBeCloseTo(3 * rt, 12);
    expect(summary.fixedEstimate).toMatchObject({ escalated: 1, doublePaid: 1, lanes: { async: 1, batch: 2 } });
    expect(summary.fixedEstimate.usd).toBeCloseTo(batch + rt + (rt + batch), 12);
    expect(summary.attainment).toEqual({ meetable: 3, met: 3, share: 1, missed: [] });
    expect(summary.bars.map((bar) => bar.met)).toEqual([false, true, false]);
  });

  it('counts a missed deadline the oracle could meet, and not one it could not', () => {
    const summary = summarizeCost(
      [
        request('late', 20_000, [{ lane: 'realtime', succeeded: true, usage }], { lane: 'realtime', succeeded: true, completedAtMs: 30_000 }),
        request('impossible', 500, [{ lane: 'realtime', succeeded: true, usage }], { lane: 'realtime', succeeded: true, completedAtMs: 2_000 }),
        request('unanswered', 20_000, [], null),
      ],
      observations,
      options,
    );
    expect(summary.answered).toBe(2);
    expect(summary.attainment).toEqual({ meetable: 2, met: 0, share: 0, missed: ['late', 'unanswered'] });
  });
});
