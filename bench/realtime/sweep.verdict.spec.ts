import { backlogTrend, highestSustained, sustained, SweepStep } from './sweep.verdict';

const step = (ratePerSecond: number, p99Ms: number, extra: Partial<SweepStep> = {}): SweepStep => ({
  ratePerSecond,
  sent: ratePerSecond * 20,
  lost: 0,
  p99Ms,
  maxScheduleLagMs: 5,
  backlog: { firstThirdP50Ms: 10, lastThirdP50Ms: 11, growing: false },
  ...extra,
});

describe('sweep verdict', () => {
  it('sees a queue that grows through the step, and not jitter around a few milliseconds', () => {
    const sentAts = Array.from({ length: 30 }, (_, i) => i * 10);
    expect(
      backlogTrend(
        sentAts,
        sentAts.map((at) => 20 + at * 5),
      ).growing,
    ).toBe(true);
    expect(
      backlogTrend(
        sentAts,
        sentAts.map((_, i) => (i < 15 ? 3 : 9)),
      ).growing,
    ).toBe(false);
    expect(backlogTrend([1, 2], [5, 500])).toEqual({ firstThirdP50Ms: null, lastThirdP50Ms: null, growing: false });
  });

  it('judges the step by answers, p99 against twice the reference, the queue and the generator', () => {
    expect(sustained(step(100, 79), 40)).toEqual({ ok: true, why: 'sustained' });
    expect(sustained(step(100, 80), 40).ok).toBe(false);
    expect(sustained(step(100, 10, { lost: 1 }), 40).why).toContain('without an answer');
    expect(sustained(step(100, 10, { backlog: { firstThirdP50Ms: 10, lastThirdP50Ms: 900, growing: true } }), 40).why).toContain('grows');
    expect(sustained(step(100, 10, { maxScheduleLagMs: 2_000 }), 40).why).toContain('behind its schedule');
  });

  it('takes the highest rate of the leading sustained steps', () => {
    expect(highestSustained([step(50, 40), step(100, 50), step(200, 500), step(400, 60)], 40)).toBe(100);
    expect(highestSustained([step(50, 40, { lost: 3 })], 40)).toBeNull();
  });
});
