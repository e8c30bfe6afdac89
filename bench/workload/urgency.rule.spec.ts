import { FIXED_ESTIMATES_MS } from './cost.bounds';
import { DEFAULT_MIX, URGENCY, checkClassDeadlines, formatMix, parseMix, unitDraw, urgencyOf } from './urgency.rule';

describe('unitDraw', () => {
  it('is fixed by seed, purpose and row, and falls in [0, 1)', () => {
    expect(unitDraw(1, 'urgency', 'conv', 7)).toBe(unitDraw(1, 'urgency', 'conv', 7));
    const draws = [
      unitDraw(2, 'urgency', 'conv', 7),
      unitDraw(1, 'operation', 'conv', 7),
      unitDraw(1, 'urgency', 'code', 7),
      unitDraw(1, 'urgency', 'conv', 8),
    ];
    for (const draw of draws) expect(draw).not.toBe(unitDraw(1, 'urgency', 'conv', 7));
    for (let i = 0; i < 1000; i += 1) {
      const draw = unitDraw(3, 'urgency', 'code', i);
      expect(draw).toBeGreaterThanOrEqual(0);
      expect(draw).toBeLessThan(1);
    }
  });
});

describe('urgencyOf', () => {
  it('gives each class its share of [0, 1), in the order interactive, minutes, hours', () => {
    expect(urgencyOf(0, DEFAULT_MIX)).toBe('interactive');
    expect(urgencyOf(0.3999, DEFAULT_MIX)).toBe('interactive');
    expect(urgencyOf(0.4, DEFAULT_MIX)).toBe('minutes');
    expect(urgencyOf(0.7, DEFAULT_MIX)).toBe('hours');
    expect(urgencyOf(0.9999999, DEFAULT_MIX)).toBe('hours');
  });

  it('never picks a class with no share', () => {
    const noHours = parseMix('interactive=1,minutes=1');
    expect(urgencyOf(0.9999999, noHours)).toBe('minutes');
    expect(urgencyOf(0.4, parseMix('hours'))).toBe('hours');
  });

  it('splits a seeded stream of rows close to the mix', () => {
    const counts = { interactive: 0, minutes: 0, hours: 0 };
    for (let i = 0; i < 10_000; i += 1) counts[urgencyOf(unitDraw(1, 'urgency', 'conv', i), DEFAULT_MIX)] += 1;
    expect(counts.interactive / 10_000).toBeCloseTo(0.4, 1);
    expect(counts.minutes / 10_000).toBeCloseTo(0.3, 1);
    expect(counts.hours / 10_000).toBeCloseTo(0.3, 1);
  });
});

describe('parseMix', () => {
  it('normalises weights and leaves unnamed classes out', () => {
    expect(parseMix('interactive=2,minutes=1,hours=1')).toEqual({ interactive: 0.5, minutes: 0.25, hours: 0.25 });
    expect(parseMix('interactive, minutes')).toEqual({ interactive: 0.5, minutes: 0.5, hours: 0 });
    expect(formatMix(parseMix('interactive=1,minutes=1'))).toBe('interactive=0.5,minutes=0.5');
  });

  it('says what is wrong with a bad mix', () => {
    expect(() => parseMix('urgent=1')).toThrow('--mix: unknown urgency class "urgent"; expected interactive, minutes, hours');
    expect(() => parseMix('hours=-1')).toThrow('--mix: the weight of hours must be a number >= 0, got "-1"');
    expect(() => parseMix('hours=0')).toThrow('--mix needs at least one class with a positive weight');
  });
});

describe('the class deadlines', () => {
  it('route each class to its lane under the default policy estimates (deploy/policy/routing-policy.json has the same)', () => {
    expect(() => checkClassDeadlines(FIXED_ESTIMATES_MS)).not.toThrow();
    expect(URGENCY.minutes.deadlineMs).toBeGreaterThan(FIXED_ESTIMATES_MS.async);
    expect(URGENCY.hours.deadlineMs).toBeGreaterThan(FIXED_ESTIMATES_MS.batch);
  });

  it('refuse estimates that would send a class elsewhere', () => {
    expect(() => checkClassDeadlines({ realtime: 10_000, async: 300_000, batch: 24 * 3_600_000 })).toThrow(
      /hours \(deadline 43200000 ms\) would go to async, not batch/,
    );
    expect(() => checkClassDeadlines({ realtime: 10_000, async: 20 * 60_000, batch: 6 * 3_600_000 })).toThrow(/minutes .* would go to realtime, not async/);
  });
});
