import {
  blendTurnaround,
  distributionErrors,
  distributionOf,
  finishedWithin,
  missProbability,
  timeToAnswerMs,
  type Turnaround,
  type TurnaroundDistribution,
  unfinishedProbability,
} from './turnaround-distribution';

const MINUTE = 60_000;

// Half the answers within 20 minutes, all within an hour, 2 % never.
const BATCH: TurnaroundDistribution = {
  points: [
    { quantile: 0.5, ms: 20 * MINUTE },
    { quantile: 1, ms: 60 * MINUTE },
  ],
  unfinishedShare: 0.02,
};

function only(distribution: TurnaroundDistribution): Turnaround {
  return { parts: [{ weight: 1, distribution }], samples: 0 };
}

describe('finishedWithin', () => {
  it('spreads answers evenly from zero to the first quantile and between quantiles', () => {
    expect(finishedWithin(BATCH, 10 * MINUTE)).toBeCloseTo(0.25 * 0.98, 12);
    expect(finishedWithin(BATCH, 20 * MINUTE)).toBeCloseTo(0.5 * 0.98, 12);
    expect(finishedWithin(BATCH, 40 * MINUTE)).toBeCloseTo(0.75 * 0.98, 12);
    expect(finishedWithin(BATCH, 0)).toBe(0);
    expect(finishedWithin(BATCH, -1)).toBe(0);
  });

  it('assumes nothing finishes past the last quantile given', () => {
    expect(finishedWithin(BATCH, 10 * 60 * MINUTE)).toBeCloseTo(0.98, 12);
    const toP90: TurnaroundDistribution = { points: [{ quantile: 0.9, ms: MINUTE }], unfinishedShare: 0 };
    expect(finishedWithin(toP90, 10 * MINUTE)).toBeCloseTo(0.9, 12);
    expect(unfinishedProbability(only(toP90))).toBeCloseTo(0.1, 12);
  });
});

describe('missProbability and timeToAnswerMs', () => {
  it('is one less the share answered, and 1 before the start', () => {
    expect(missProbability(only(BATCH), 40 * MINUTE)).toBeCloseTo(1 - 0.735, 12);
    expect(missProbability(only(BATCH), -5)).toBe(1);
    expect(unfinishedProbability(only(BATCH))).toBeCloseTo(0.02, 12);
  });

  it('finds the time within which a share is answered, or none when too many never are', () => {
    const sure: TurnaroundDistribution = { ...BATCH, unfinishedShare: 0 };
    expect(timeToAnswerMs(only(sure), 0.5)).toBe(20 * MINUTE);
    expect(timeToAnswerMs(only(sure), 0.75)).toBeCloseTo(40 * MINUTE, -1);
    expect(timeToAnswerMs(only(sure), 1)).toBe(60 * MINUTE);
    expect(timeToAnswerMs(only(BATCH), 0.99)).toBeUndefined();
  });
});

describe('blendTurnaround', () => {
  const slow: TurnaroundDistribution = { points: [{ quantile: 1, ms: 4 * 60 * MINUTE }], unfinishedShare: 0 };

  it('is the prior alone without observations', () => {
    expect(blendTurnaround(BATCH, undefined, 0, 20)).toEqual({ parts: [{ weight: 1, distribution: BATCH }], samples: 0 });
    expect(blendTurnaround(BATCH, slow, 0, 20).parts).toHaveLength(1);
  });

  it('weighs what was learned by samples / (samples + prior weight)', () => {
    const blended = blendTurnaround(BATCH, slow, 60, 20);
    // At one hour: prior 0.98 answered, the slow history a quarter; weights 1/4 and 3/4.
    expect(missProbability(blended, 60 * MINUTE)).toBeCloseTo(1 - (0.25 * 0.98 + 0.75 * 0.25), 12);
    expect(blended.samples).toBe(60);
  });
});

describe('distributionErrors', () => {
  it('accepts a well-formed distribution', () => {
    expect(distributionErrors(BATCH, 'p')).toEqual([]);
  });

  it('names quantiles out of range, times not ascending, and a share out of range', () => {
    const errors = distributionErrors(
      {
        points: [
          { quantile: 0.5, ms: 10 },
          { quantile: 0.9, ms: 5 },
          { quantile: 1.5, ms: 20 },
        ],
        unfinishedShare: 1,
      },
      'p',
    );
    expect(errors.map((e) => e.path)).toEqual(['p.quantilesMs.0.9', 'p.quantilesMs.1.5', 'p.unfinishedShare']);
    expect(distributionErrors({ points: [], unfinishedShare: 0 }, 'p')).toEqual([{ path: 'p.quantilesMs', message: 'needs at least one quantile' }]);
  });
});

describe('distributionOf', () => {
  it('pairs quantiles with observed times, making equal times a step a millisecond wide', () => {
    const distribution = distributionOf([0.5, 0.9, 0.99, 1], [1_000, 5_000, 5_000, 9_000], 0.1);
    expect(distribution).toEqual({
      points: [
        { quantile: 0.5, ms: 1_000 },
        { quantile: 0.9, ms: 5_000 },
        { quantile: 0.99, ms: 5_001 },
        { quantile: 1, ms: 9_000 },
      ],
      unfinishedShare: 0.1,
    });
    expect(distributionErrors(distribution, 'learned')).toEqual([]);
    expect(distributionOf([0.5, 1], [], 1)).toEqual({ points: [], unfinishedShare: 1 });
  });
});
