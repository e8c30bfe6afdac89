import type { Lane } from '../policy/routing-policy';
import type { Turnaround, TurnaroundDistribution } from '../turnaround/turnaround-distribution';
import { assessLanes, chooseLane, type LaneChoiceInput } from './lane-choice';

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;

function evenly(upToMs: number, unfinishedShare = 0): TurnaroundDistribution {
  return { points: [{ quantile: 1, ms: upToMs }], unfinishedShare };
}

function points(pairs: Array<[number, number]>, unfinishedShare = 0): TurnaroundDistribution {
  return { points: pairs.map(([quantile, ms]) => ({ quantile, ms })), unfinishedShare };
}

function only(distribution: TurnaroundDistribution): Turnaround {
  return { parts: [{ weight: 1, distribution }], samples: 100 };
}

// gpt-4o-mini and claude-haiku-4-5 have no flex tier: async costs list price, batch half.
const NON_FLEX: Array<[Lane, number]> = [
  ['realtime', 0.01],
  ['async', 0.01],
  ['batch', 0.005],
];

function input(batch: TurnaroundDistribution, overrides: Partial<LaneChoiceInput> = {}): LaneChoiceInput {
  const turnarounds: Record<Lane, Turnaround> = { realtime: only(evenly(10 * SECOND)), async: only(evenly(5 * MINUTE)), batch: only(batch) };
  return {
    slackMs: 2 * HOUR,
    prices: new Map(NON_FLEX),
    realtimePriceUsd: 0.01,
    turnaround: (lane) => turnarounds[lane],
    escalationLeadMs: MINUTE,
    ...overrides,
  };
}

function byLane(choice: LaneChoiceInput) {
  return Object.fromEntries(assessLanes(choice).map((a) => [a.lane, a]));
}

describe('assessLanes and chooseLane', () => {
  it('sends a 2 h deadline on a non-flex model to batch when batches have come back within the hour', () => {
    const weighed = byLane(
      input(
        points([
          [0.5, 20 * MINUTE],
          [1, HOUR],
        ]),
      ),
    );
    // The guard escalates at 1 h 59 min; every batch is back by then.
    expect(weighed.batch).toEqual({ lane: 'batch', priceUsd: 0.005, missProbability: 0, meetProbability: 1, expectedCostUsd: 0.005 });
    expect(weighed.realtime).toMatchObject({ expectedCostUsd: 0.01, meetProbability: 1 });
    expect(chooseLane(Object.values(weighed), 0.999)).toEqual({ lane: 'batch', meetsTarget: true });
  });

  it('does not when batches have been slow: the likely escalation costs more than the discount saves', () => {
    const weighed = byLane(
      input(
        points([
          [0.5, 3 * HOUR],
          [1, 6 * HOUR],
        ]),
      ),
    );
    // At 119 min half of 119/180 of the batches are back: P(miss) = 1 - 0.5 * 119 / 180.
    const miss = 1 - (0.5 * 119) / 180;
    expect(weighed.batch!.missProbability).toBeCloseTo(miss, 12);
    expect(weighed.batch!.expectedCostUsd).toBeCloseTo(0.005 + miss * 0.01, 12);
    expect(weighed.batch!.expectedCostUsd).toBeCloseTo(0.0116944, 6);
    // Realtime and async cost the same; realtime is faster.
    expect(chooseLane(Object.values(weighed), 0.999)).toEqual({ lane: 'realtime', meetsTarget: true });
  });

  it('takes batch with some risk of escalation while the expected cost stays under the realtime price', () => {
    const weighed = byLane(
      input(
        points([
          [0.9, HOUR],
          [1, 4 * HOUR],
        ]),
      ),
    );
    // At 119 min: 0.9 + 0.1 * 59 / 180 answered.
    const miss = 1 - (0.9 + (0.1 * 59) / 180);
    expect(weighed.batch!.missProbability).toBeCloseTo(miss, 12);
    expect(weighed.batch!.expectedCostUsd).toBeCloseTo(0.005 + miss * 0.01, 12);
    expect(chooseLane(Object.values(weighed), 0.999)?.lane).toBe('batch');
  });

  it('at equal prices picks the faster lane: flex over batch, realtime over list-price async', () => {
    const flex = input(evenly(HOUR), {
      prices: new Map<Lane, number>([
        ['realtime', 0.01],
        ['async', 0.005],
        ['batch', 0.005],
      ]),
    });
    const weighed = byLane(flex);
    expect(weighed.batch!.expectedCostUsd).toBe(0.005);
    expect(weighed.async!.expectedCostUsd).toBe(0.005);
    expect(chooseLane(Object.values(weighed), 0.999)?.lane).toBe('async');
    const noBatch = input(evenly(HOUR), {
      prices: new Map<Lane, number>([
        ['realtime', 0.01],
        ['async', 0.01],
      ]),
    });
    expect(chooseLane(assessLanes(noBatch), 0.999)?.lane).toBe('realtime');
  });

  it('counts escalation in the chance of meeting the deadline, against the tenant target', () => {
    // Realtime needs up to 2 minutes, so half the escalations, given a minute, are late.
    const slowRealtime = input(
      points([
        [0.9, HOUR],
        [1, 4 * HOUR],
      ]),
      {
        turnaround: (lane) =>
          only(
            lane === 'realtime'
              ? evenly(2 * MINUTE)
              : lane === 'async'
                ? evenly(5 * MINUTE)
                : points([
                    [0.9, HOUR],
                    [1, 4 * HOUR],
                  ]),
          ),
      },
    );
    const weighed = byLane(slowRealtime);
    const miss = 1 - (0.9 + (0.1 * 59) / 180);
    expect(weighed.batch!.meetProbability).toBeCloseTo(1 - miss * 0.5, 12);
    expect(chooseLane(Object.values(weighed), 0.999)?.lane).toBe('realtime');
    expect(chooseLane(Object.values(weighed), 0.95)?.lane).toBe('batch');
  });

  it('does not count the batch price of answers that never come', () => {
    const weighed = byLane(input(evenly(HOUR, 0.02)));
    expect(weighed.batch!.missProbability).toBeCloseTo(0.02, 12);
    expect(weighed.batch!.expectedCostUsd).toBeCloseTo(0.005 * 0.98 + 0.02 * 0.01, 12);
  });

  it('when no lane meets the target, takes the likeliest, the faster at the same chance', () => {
    const tight = input(evenly(HOUR), {
      slackMs: 30 * SECOND,
      turnaround: (lane) => only(lane === 'realtime' ? evenly(MINUTE) : lane === 'async' ? evenly(5 * MINUTE) : evenly(HOUR)),
    });
    const weighed = byLane(tight);
    expect(weighed.realtime!.meetProbability).toBeCloseTo(0.5, 12);
    expect(weighed.async!.meetProbability).toBeCloseTo(0.1, 12);
    // Batch escalates at once and realtime gets the 30 s that are left.
    expect(weighed.batch!.meetProbability).toBeCloseTo(0.5, 12);
    expect(chooseLane(Object.values(weighed), 0.999)).toEqual({ lane: 'realtime', meetsTarget: false });
  });

  it('weighs only the lanes it is given a price for', () => {
    expect(assessLanes(input(evenly(HOUR), { prices: new Map<Lane, number>([['batch', 0.005]]) })).map((a) => a.lane)).toEqual(['batch']);
    expect(chooseLane([], 0.999)).toBeUndefined();
  });
});
