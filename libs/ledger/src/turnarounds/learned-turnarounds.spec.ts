import type { LaneTurnarounds } from '../repositories/completions.repository';
import { coldTurnaround, DEFAULT_POLICY, missProbability } from '@sluice/routing';
import { LEARNED_QUANTILES, LearnedTurnarounds, type TurnaroundsLedger } from './learned-turnarounds';

const WINDOW = 3_600_000;
const T0 = new Date('2030-01-01T00:00:00Z');
const MINUTE = 60_000;

class FakeLedger implements TurnaroundsLedger {
  rows: LaneTurnarounds[] = [];
  readonly asked: Array<{ since: Date; quantiles: readonly number[] }> = [];
  fail = false;

  async turnarounds(since: Date, quantiles: readonly number[]): Promise<LaneTurnarounds[]> {
    this.asked.push({ since, quantiles });
    if (this.fail) throw new Error('ledger down');
    return this.rows;
  }
}

/** Batch answers of one model all at `ms`, `answered` of them, `expired` more never answered. */
function batchRow(model: string, ms: number, answered: number, expired = 0): LaneTurnarounds {
  return { provider: 'anthropic', model, lane: 'batch', answered, expired, quantilesMs: LEARNED_QUANTILES.map(() => ms) };
}

describe('LearnedTurnarounds', () => {
  it('plans with the policy prior before anything was read', () => {
    const turnarounds = new LearnedTurnarounds(new FakeLedger(), { policy: DEFAULT_POLICY, windowMs: WINDOW });
    expect(turnarounds.turnaround('anthropic', 'claude-haiku-4-5', 'batch', T0)).toEqual(coldTurnaround(DEFAULT_POLICY, 'anthropic', 'batch'));
  });

  it('reads every model and lane in one query over the window, and blends each with its prior by its samples', async () => {
    const ledger = new FakeLedger();
    // 20 slow answers (3 h each) and 5 that expired, against a prior that counts as 20.
    ledger.rows = [batchRow('claude-haiku-4-5', 3 * 60 * MINUTE, 20, 5)];
    const turnarounds = new LearnedTurnarounds(ledger, { policy: DEFAULT_POLICY, windowMs: WINDOW });
    expect(await turnarounds.refresh(T0)).toBe(1);
    expect(ledger.asked).toEqual([{ since: new Date(T0.getTime() - WINDOW), quantiles: LEARNED_QUANTILES }]);

    const learned = turnarounds.turnaround('anthropic', 'claude-haiku-4-5', 'batch', T0);
    expect(learned.samples).toBe(25);
    expect(learned.parts.map((p) => p.weight)).toEqual([20 / 45, 25 / 45]);
    expect(learned.parts[1]!.distribution.unfinishedShare).toBe(0.2);
    // At 2 h: of the learned answers only two thirds of the lowest 5 % are back; of the prior, its own share.
    const prior = coldTurnaround(DEFAULT_POLICY, 'anthropic', 'batch');
    const learnedBack = 0.8 * 0.05 * (2 / 3);
    expect(missProbability(learned, 2 * 60 * MINUTE)).toBeCloseTo(
      1 - ((20 / 45) * (1 - missProbability(prior, 2 * 60 * MINUTE)) + (25 / 45) * learnedBack),
      12,
    );
    // Other models and lanes keep their priors.
    expect(turnarounds.turnaround('anthropic', 'claude-haiku-4-5', 'realtime', T0)).toEqual(coldTurnaround(DEFAULT_POLICY, 'anthropic', 'realtime'));
    expect(turnarounds.turnaround('anthropic', 'claude-sonnet-4-5', 'batch', T0)).toEqual(prior);
  });

  it('forgets a lane the window no longer holds, and everything when refreshes stop for a window', async () => {
    const ledger = new FakeLedger();
    ledger.rows = [batchRow('claude-haiku-4-5', 60 * MINUTE, 50)];
    const turnarounds = new LearnedTurnarounds(ledger, { policy: DEFAULT_POLICY, windowMs: WINDOW });
    await turnarounds.refresh(T0);
    expect(turnarounds.turnaround('anthropic', 'claude-haiku-4-5', 'batch', T0).samples).toBe(50);
    expect(turnarounds.turnaround('anthropic', 'claude-haiku-4-5', 'batch', new Date(T0.getTime() + WINDOW + 1)).samples).toBe(0);

    ledger.fail = true;
    await expect(turnarounds.refresh(new Date(T0.getTime() + MINUTE))).rejects.toThrow('ledger down');
    expect(turnarounds.turnaround('anthropic', 'claude-haiku-4-5', 'batch', new Date(T0.getTime() + MINUTE)).samples).toBe(50);

    ledger.fail = false;
    ledger.rows = [];
    await turnarounds.refresh(new Date(T0.getTime() + 2 * MINUTE));
    expect(turnarounds.turnaround('anthropic', 'claude-haiku-4-5', 'batch', new Date(T0.getTime() + 2 * MINUTE)).samples).toBe(0);
  });
});
