import { compressedDayMs, drawDeadlineMs } from './cost.deadlines';

describe('cost deadlines', () => {
  it('draws log-uniformly over the range', () => {
    const range = { minMs: 2_000, maxMs: 200_000 };
    expect(drawDeadlineMs(0, range)).toBe(2_000);
    expect(drawDeadlineMs(0.5, range)).toBe(20_000);
    expect(drawDeadlineMs(0.999999, range)).toBeGreaterThan(199_000);
    const draws = Array.from({ length: 1000 }, (_, i) => drawDeadlineMs(i / 1000, range));
    expect(draws.filter((ms) => ms < 20_000)).toHaveLength(500);
  });

  it('compresses a day', () => {
    expect(compressedDayMs(1440)).toBe(60_000);
    expect(() => compressedDayMs(0)).toThrow(/compression/);
  });

  it('refuses bad input', () => {
    expect(() => drawDeadlineMs(1, { minMs: 1, maxMs: 2 })).toThrow(/unit/);
    expect(() => drawDeadlineMs(0.5, { minMs: 3, maxMs: 2 })).toThrow(/range/);
  });
});
