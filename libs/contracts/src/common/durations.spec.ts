import { parseDuration } from './durations';

describe('parseDuration', () => {
  it.each([
    ['6h', 6 * 3_600_000],
    ['90m', 90 * 60_000],
    ['1h30m', 90 * 60_000],
    ['30m1h', 90 * 60_000],
    ['2d', 2 * 86_400_000],
    ['45s', 45_000],
    ['500ms', 500],
    ['1m500ms', 60_500],
    ['0s', 0],
  ])('reads %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '6', '6 h', '6H', 'h', '-1h', '1.5h', '1w', 'PT6H', '6h ', ' 6h', '9'.repeat(30) + 'd'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeUndefined();
  });
});
