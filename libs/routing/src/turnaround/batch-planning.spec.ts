import { DEFAULT_POLICY, coldTurnaround } from '../policy/routing-policy';
import { batchPlan } from './batch-planning';
import type { Turnaround } from './turnaround-distribution';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function only(points: Array<[number, number]>, unfinishedShare = 0): Turnaround {
  return { parts: [{ weight: 1, distribution: { points: points.map(([quantile, ms]) => ({ quantile, ms })), unfinishedShare } }], samples: 50 };
}

describe('batchPlan', () => {
  it('closes windows for the 90 % point and resubmits while the median fits', () => {
    expect(
      batchPlan(
        only([
          [0.5, 10 * MINUTE],
          [0.9, HOUR],
          [1, 4 * HOUR],
        ]),
      ),
    ).toEqual({ windowCloseMs: HOUR, resubmitMs: 10 * MINUTE });
  });

  it('follows the published priors on a cold start: Anthropic batches mostly within the hour', () => {
    const plan = batchPlan(coldTurnaround(DEFAULT_POLICY, 'anthropic', 'batch'));
    // 0.8 at 1 h, 0.95 at 3 h: 90 % (of the 99.9 % that ever answer) a little after 2 h 20 min.
    expect(plan.windowCloseMs).toBeGreaterThan(2 * HOUR + 20 * MINUTE);
    expect(plan.windowCloseMs).toBeLessThan(2 * HOUR + 22 * MINUTE);
    expect(plan.resubmitMs).toBeGreaterThan(30 * MINUTE);
    expect(plan.resubmitMs).toBeLessThan(31 * MINUTE);
  });

  it('plans for the longest time known when too few batches ever answer', () => {
    expect(batchPlan(only([[1, HOUR]], 0.6))).toEqual({ windowCloseMs: HOUR, resubmitMs: HOUR });
  });
});
