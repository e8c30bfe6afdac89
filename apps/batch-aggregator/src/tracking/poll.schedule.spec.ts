import { backoffMs, nextPollDelayMs, shouldReportProgress } from './poll.schedule';

const BACKOFF = { baseDelayMs: 1_000, maxDelayMs: 60_000 };

describe('poll schedule', () => {
  it('backs off exponentially up to the cap', () => {
    expect([1, 2, 3, 7, 20].map((attempt) => backoffMs(attempt, BACKOFF))).toEqual([1_000, 2_000, 4_000, 60_000, 60_000]);
  });

  it('polls a batch that moved again soon, and a quiet one less and less often', () => {
    expect(nextPollDelayMs(undefined, false, BACKOFF)).toBe(1_000);
    expect(nextPollDelayMs(8_000, false, BACKOFF)).toBe(16_000);
    expect(nextPollDelayMs(40_000, false, BACKOFF)).toBe(60_000);
    expect(nextPollDelayMs(40_000, true, BACKOFF)).toBe(1_000);
  });

  it('reports progress when the count moved and the interval passed, and always at the end', () => {
    expect(shouldReportProgress(undefined, 0, 0, 30_000, false)).toBe(false);
    expect(shouldReportProgress(undefined, 5, 0, 30_000, false)).toBe(true);
    expect(shouldReportProgress({ done: 5, atMs: 0 }, 9, 10_000, 30_000, false)).toBe(false);
    expect(shouldReportProgress({ done: 5, atMs: 0 }, 9, 30_000, 30_000, false)).toBe(true);
    expect(shouldReportProgress({ done: 5, atMs: 0 }, 5, 90_000, 30_000, false)).toBe(false);
    expect(shouldReportProgress({ done: 5, atMs: 0 }, 10, 1_000, 30_000, true)).toBe(true);
    expect(shouldReportProgress({ done: 5, atMs: 0 }, 10, 90_000, 0, false)).toBe(false);
  });
});
