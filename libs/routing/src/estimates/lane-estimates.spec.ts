import { LaneEstimates, percentileOf } from './lane-estimates';

const key = { provider: 'openai', model: 'gpt-4o-mini', lane: 'batch' as const };
const defaultsMs = { realtime: 1_000, async: 60_000, batch: 3_600_000 };

describe('percentileOf', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(percentileOf(values, 0.95)).toBe(95);
    expect(percentileOf(values, 0.5)).toBe(50);
    expect(percentileOf([7], 0.99)).toBe(7);
  });
});

describe('LaneEstimates', () => {
  it('uses the configured default until enough completions are observed', () => {
    const estimates = new LaneEstimates({ defaultsMs, minSamples: 3 });
    estimates.observe(key, 100, 0);
    estimates.observe(key, 200, 0);
    expect(estimates.estimate(key, 0)).toEqual({ ms: 3_600_000, source: 'default', samples: 2 });
    estimates.observe(key, 300, 0);
    expect(estimates.estimate(key, 0)).toEqual({ ms: 300, source: 'learned', samples: 3 });
  });

  it('plans with a high percentile, so one fast completion does not make the lane look fast', () => {
    const estimates = new LaneEstimates({ defaultsMs, minSamples: 1, percentile: 0.95 });
    for (let i = 1; i <= 100; i++) estimates.observe(key, i * 10, 0);
    expect(estimates.estimate(key, 0).ms).toBe(950);
  });

  it('forgets observations outside the window and keeps keys apart', () => {
    const estimates = new LaneEstimates({ defaultsMs, minSamples: 1, windowMs: 1_000 });
    estimates.observe(key, 5_000, 0);
    estimates.observe({ ...key, lane: 'async' }, 42, 0);
    estimates.observe(key, 10, 900);
    expect(estimates.estimate(key, 1_500)).toMatchObject({ ms: 10, samples: 1 });
    expect(estimates.estimate(key, 3_000)).toMatchObject({ source: 'default', samples: 0 });
    expect(estimates.estimate({ ...key, model: 'other' }, 0)).toMatchObject({ source: 'default' });
  });

  it('bounds the samples kept per key', () => {
    const estimates = new LaneEstimates({ defaultsMs, minSamples: 1, maxSamples: 10 });
    for (let i = 0; i < 50; i++) estimates.observe(key, i, 0);
    expect(estimates.estimate(key, 0).samples).toBe(10);
  });

  it('plans with the default again for a key it was told to forget, and only for that key', () => {
    const estimates = new LaneEstimates({ defaultsMs, minSamples: 1 });
    estimates.observe(key, 100, 0);
    estimates.observe({ ...key, lane: 'async' }, 42, 0);
    estimates.forget(key);
    expect(estimates.estimate(key, 0)).toEqual({ ms: 3_600_000, source: 'default', samples: 0 });
    expect(estimates.estimate({ ...key, lane: 'async' }, 0)).toMatchObject({ ms: 42, source: 'learned' });
  });
});
