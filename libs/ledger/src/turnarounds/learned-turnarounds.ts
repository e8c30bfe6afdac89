import {
  blendTurnaround,
  distributionOf,
  type Lane,
  type RoutingPolicy,
  type Turnaround,
  type TurnaroundDistribution,
  turnaroundPriorFor,
} from '@sluice/routing';
import type { CompletionsRepository, LaneTurnarounds } from '../repositories/completions.repository';

export type TurnaroundsLedger = Pick<CompletionsRepository, 'turnarounds'>;

/** The quantiles read from the ledger: dense where routing decides (the tail), enough for the body. */
export const LEARNED_QUANTILES: readonly number[] = [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999, 1];

export interface LearnedTurnaroundsOptions {
  policy: RoutingPolicy;
  /** Results younger than this make the learned distributions; what was learned expires this long after it was read. */
  windowMs: number;
}

interface Learned {
  distribution: TurnaroundDistribution;
  samples: number;
}

function keyOf(provider: string, model: string, lane: Lane): string {
  return `${provider}\u0000${model}\u0000${lane}`;
}

/** What one ledger row teaches: answers and expiries count as samples, expiries as the unfinished share. */
export function learnedOf(row: LaneTurnarounds): Learned | undefined {
  const samples = row.answered + row.expired;
  if (samples === 0) return undefined;
  return { distribution: distributionOf(LEARNED_QUANTILES, row.quantilesMs, row.expired / samples), samples };
}

/**
 * Turnaround distributions learned from the ledger, for the router (which lane) and the batch
 * aggregator (when to close a window, whether to resubmit). Neither sees every result, so each reads
 * the quantiles of every provider, model and lane with results in the window, all in one query per
 * refresh, and holds them in memory: decisions read memory only. Each lane is planned with its prior
 * (the policy's) blended with what was learned, by the number of results behind it. Should refreshes
 * fail, what was learned expires a window after it was read, and routing goes back to the priors.
 */
export class LearnedTurnarounds {
  private learned = new Map<string, Learned>();
  private readAtMs?: number;

  constructor(
    private readonly ledger: TurnaroundsLedger,
    private readonly options: LearnedTurnaroundsOptions,
  ) {}

  turnaround(provider: string, model: string, lane: Lane, now: Date): Turnaround {
    const { policy, windowMs } = this.options;
    const fresh = this.readAtMs !== undefined && now.getTime() - this.readAtMs <= windowMs;
    const learned = fresh ? this.learned.get(keyOf(provider, model, lane)) : undefined;
    return blendTurnaround(turnaroundPriorFor(policy, provider, lane), learned?.distribution, learned?.samples ?? 0, policy.turnaround.priorWeight);
  }

  /** Reads the window again and replaces what was learned; returns how many lanes have a learned part. */
  async refresh(now: Date): Promise<number> {
    const rows = await this.ledger.turnarounds(new Date(now.getTime() - this.options.windowMs), LEARNED_QUANTILES);
    const learned = new Map<string, Learned>();
    for (const row of rows) {
      const entry = learnedOf(row);
      if (entry) learned.set(keyOf(row.provider, row.model, row.lane), entry);
    }
    this.learned = learned;
    this.readAtMs = now.getTime();
    return learned.size;
  }
}

/**
 * Refreshes `turnarounds` now and then every `intervalMs` until the returned function is called; a
 * refresh still running skips the next tick, so a slow ledger does not pile reads up. The timer never
 * keeps the process alive.
 */
export function refreshTurnarounds(
  turnarounds: Pick<LearnedTurnarounds, 'refresh'>,
  intervalMs: number,
  onOutcome: (outcome: { learned: number } | { error: unknown }) => void,
): () => void {
  let running = false;
  const tick = async (): Promise<void> => {
    if (running) return;
    running = true;
    try {
      onOutcome({ learned: await turnarounds.refresh(new Date()) });
    } catch (error) {
      onOutcome({ error });
    } finally {
      running = false;
    }
  };
  void tick();
  const timer = setInterval(() => void tick(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
