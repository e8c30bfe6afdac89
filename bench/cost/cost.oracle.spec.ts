import { oracleChoice } from './cost.oracle';
import { fixedLane, fixedOutcome } from './fixed.policy';
import { LaneObservation, indexObservations, observedTurnaroundMs } from './lane.observations';
import { laneCostUsd, listPriceOf } from './list.prices';

const gpt5 = listPriceOf('openai', 'gpt-5');
const mini = listPriceOf('openai', 'gpt-4o-mini');
const usage = { inputTokens: 1_000, outputTokens: 100 };
const obs = (model: string, lane: LaneObservation['lane'], startMs: number, endMs: number | null): LaneObservation => ({
  provider: 'openai',
  model,
  lane,
  startMs,
  endMs,
});
const index = indexObservations([
  obs('gpt-5', 'realtime', 0, 800),
  obs('gpt-5', 'realtime', 10_000, 11_500),
  obs('gpt-5', 'async', 0, 2_000),
  // Batches closing at 5 s (done at 20 s), 30 s (expired) and 60 s (done at 64 s).
  obs('gpt-5', 'batch', 5_000, 20_000),
  obs('gpt-5', 'batch', 30_000, null),
  obs('gpt-5', 'batch', 60_000, 64_000),
  obs('gpt-4o-mini', 'realtime', 0, 1_000),
  obs('gpt-4o-mini', 'async', 0, 1_000),
  obs('gpt-4o-mini', 'batch', 5_000, 8_000),
]);
const request = (model: string, sentAtMs: number, deadlineMs: number) => ({ id: 'r', provider: 'openai', model, sentAtMs, deadlineMs, usage });

describe('observed turnaround', () => {
  it('takes the batch the request would have joined, from its sending', () => {
    expect(observedTurnaroundMs(index, 'openai', 'gpt-5', 'batch', 1_000)).toBe(19_000);
    expect(observedTurnaroundMs(index, 'openai', 'gpt-5', 'batch', 25_000)).toBe(Number.POSITIVE_INFINITY);
    // After the last batch: its own duration.
    expect(observedTurnaroundMs(index, 'openai', 'gpt-5', 'batch', 70_000)).toBe(4_000);
  });

  it('takes the nearest answer for realtime and async, and nothing for an unseen lane', () => {
    expect(observedTurnaroundMs(index, 'openai', 'gpt-5', 'realtime', 8_000)).toBe(1_500);
    expect(observedTurnaroundMs(index, 'openai', 'gpt-5', 'realtime', 2_000)).toBe(800);
    expect(observedTurnaroundMs(index, 'openai', 'o4-mini', 'realtime', 0)).toBeUndefined();
  });
});

describe('oracle', () => {
  it('picks batch when the batch it would have joined ended in time', () => {
    expect(oracleChoice(request('gpt-4o-mini', 1_000, 7_000), mini, index)).toEqual({
      lane: 'batch',
      costUsd: laneCostUsd(mini, usage, 'batch'),
      meetable: true,
    });
  });

  it('at equal price (flex and batch) picks the faster lane', () => {
    expect(oracleChoice(request('gpt-5', 1_000, 20_000), gpt5, index).lane).toBe('async');
  });

  it('picks flex when batch would have been late', () => {
    expect(oracleChoice(request('gpt-5', 1_000, 10_000), gpt5, index).lane).toBe('async');
  });

  it('does not count an expired batch', () => {
    expect(oracleChoice(request('gpt-5', 25_000, 60_000), gpt5, index).lane).toBe('async');
  });

  it('keeps realtime for a model without flex unless batch makes it', () => {
    expect(oracleChoice(request('gpt-4o-mini', 1_000, 6_000), mini, index).lane).toBe('realtime');
  });

  it('says when no lane could meet the deadline', () => {
    expect(oracleChoice(request('gpt-5', 0, 500), gpt5, index)).toEqual({ lane: 'realtime', costUsd: laneCostUsd(gpt5, usage, 'realtime'), meetable: false });
  });
});

describe('fixed-estimate policy', () => {
  const options = { estimates: { asyncMs: 2_000, batchMs: 15_000 }, escalationLeadMs: 3_000 };

  it('chooses by the fixed estimates', () => {
    expect(fixedLane(1_000, options.estimates)).toBe('realtime');
    expect(fixedLane(10_000, options.estimates)).toBe('async');
    expect(fixedLane(16_000, options.estimates)).toBe('batch');
  });

  it('pays the batch price when the batch came in time', () => {
    expect(fixedOutcome(request('gpt-5', 1_000, 30_000), gpt5, index, options)).toEqual({
      lane: 'batch',
      costUsd: laneCostUsd(gpt5, usage, 'batch'),
      escalated: false,
      doublePaid: false,
      met: true,
    });
  });

  it('escalates a late batch and pays twice when it still came', () => {
    const outcome = fixedOutcome(request('gpt-5', 1_000, 20_000), gpt5, index, options);
    expect(outcome).toMatchObject({ lane: 'batch', escalated: true, doublePaid: true, met: true });
    expect(outcome.costUsd).toBeCloseTo(laneCostUsd(gpt5, usage, 'realtime') + laneCostUsd(gpt5, usage, 'batch'), 12);
  });

  it('escalates an expired batch and pays realtime only', () => {
    const outcome = fixedOutcome(request('gpt-5', 25_000, 60_000), gpt5, index, options);
    expect(outcome).toMatchObject({ escalated: true, doublePaid: false });
    expect(outcome.costUsd).toBeCloseTo(laneCostUsd(gpt5, usage, 'realtime'), 12);
  });
});
