import type { Lane } from '../policy/routing-policy';

export interface EstimateKey {
  provider: string;
  model: string;
  lane: Lane;
}

export interface LaneEstimatesOptions {
  /** Configured estimates, used until a key has `minSamples` observations. */
  defaultsMs: Record<Lane, number>;
  /** The percentile the router plans with: a high one, so a deadline is rarely missed on a slow day. */
  percentile?: number;
  /** Observations older than this are forgotten, so estimates follow a provider that slows down or recovers. */
  windowMs?: number;
  /** Observations kept per key at most, whatever their age, to bound memory. */
  maxSamples?: number;
  minSamples?: number;
}

interface Sample {
  atMs: number;
  durationMs: number;
}

function keyOf({ provider, model, lane }: EstimateKey): string {
  return `${provider}\u0000${model}\u0000${lane}`;
}

/** Nearest-rank percentile of an unsorted list; `p` in (0, 1]. */
export function percentileOf(values: readonly number[], p: number): number {
  if (values.length === 0) throw new Error('percentileOf needs at least one value');
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length)));
  return sorted[rank - 1];
}

/**
 * Completion-time estimates per provider, model and lane, learned from observed completions over a
 * sliding window. Pure state: the caller feeds observations and the clock.
 */
export class LaneEstimates {
  private readonly samples = new Map<string, Sample[]>();
  private readonly percentile: number;
  private readonly windowMs: number;
  private readonly maxSamples: number;
  private readonly minSamples: number;

  constructor(private readonly options: LaneEstimatesOptions) {
    this.percentile = options.percentile ?? 0.95;
    this.windowMs = options.windowMs ?? 6 * 3_600_000;
    this.maxSamples = options.maxSamples ?? 1_000;
    this.minSamples = options.minSamples ?? 20;
  }

  observe(key: EstimateKey, durationMs: number, nowMs: number): void {
    if (!Number.isFinite(durationMs) || durationMs < 0) return;
    const id = keyOf(key);
    const list = this.samples.get(id) ?? [];
    list.push({ atMs: nowMs, durationMs });
    this.prune(list, nowMs);
    this.samples.set(id, list);
  }

  /** Drops a key's observations, so it plans with the configured default again. */
  forget(key: EstimateKey): void {
    this.samples.delete(keyOf(key));
  }

  /** The planning estimate in ms and whether it was learned or is still the configured default. */
  estimate(key: EstimateKey, nowMs: number): { ms: number; source: 'learned' | 'default'; samples: number } {
    const list = this.samples.get(keyOf(key));
    if (list) this.prune(list, nowMs);
    const count = list?.length ?? 0;
    if (!list || count < this.minSamples) return { ms: this.options.defaultsMs[key.lane], source: 'default', samples: count };
    return {
      ms: percentileOf(
        list.map((s) => s.durationMs),
        this.percentile,
      ),
      source: 'learned',
      samples: count,
    };
  }

  private prune(list: Sample[], nowMs: number): void {
    const oldest = nowMs - this.windowMs;
    let drop = 0;
    while (drop < list.length && list[drop].atMs < oldest) drop++;
    const excess = list.length - drop - this.maxSamples;
    list.splice(0, drop + Math.max(0, excess));
  }
}
