import type { CompletionsRepository } from '@sluice/ledger';
import { type EstimateKey, type Lane, LANES, LaneEstimates } from '@sluice/routing';
import type { Provider } from '@sluice/contracts';
import type { EstimateSource } from '../accepted/routing.ports';

export type LatencySource = Pick<CompletionsRepository, 'latencyPercentile'>;

export interface LearnedEstimatesOptions {
  /** Policy defaults, used for a lane until enough completions of it have been observed. */
  defaultsMs: Record<Lane, number>;
  /** Completions younger than this make the estimate; an estimate not refreshed within it expires. */
  windowMs: number;
  /** Completions in the window a p95 needs before it replaces the default: a p95 of a few is noise. */
  minSamples: number;
  /** Provider/model pairs refreshed at most; the least recently routed are forgotten first. */
  maxModels?: number;
}

const PLANNING_PERCENTILE = 0.95;

/**
 * Lane estimates learned from the ledger. The router never sees completions itself, so it asks the
 * ledger for the p95 completion time of each (provider, model, lane) it has routed recently, with the
 * number of completions behind it, and keeps it in a LaneEstimates holding one observation per key:
 * the latest p95 replaces the previous one when at least `minSamples` completions back it, and the
 * key goes back to the policy default when fewer do (also when an old provider's completions leave
 * the window). Should refreshes fail, an estimate still expires a window after it was last read.
 */
export class LearnedEstimates implements EstimateSource {
  private readonly estimates: LaneEstimates;
  private readonly models = new Map<string, { provider: Provider; model: string }>();
  private readonly maxModels: number;

  constructor(
    private readonly latencies: LatencySource,
    private readonly options: LearnedEstimatesOptions,
  ) {
    this.estimates = new LaneEstimates({ defaultsMs: options.defaultsMs, windowMs: options.windowMs, maxSamples: 1, minSamples: 1, percentile: 1 });
    this.maxModels = options.maxModels ?? 1_000;
  }

  estimateMs(key: EstimateKey, now: Date): number {
    this.remember(key.provider as Provider, key.model);
    return this.estimates.estimate(key, now.getTime()).ms;
  }

  /**
   * Re-reads the p95 of every remembered model and lane; one failed read leaves the others updated.
   * `updated` counts the keys now planned with a learned estimate.
   */
  async refresh(now: Date): Promise<{ updated: number; failed: unknown[] }> {
    const since = new Date(now.getTime() - this.options.windowMs);
    const failed: unknown[] = [];
    let updated = 0;
    for (const { provider, model } of [...this.models.values()]) {
      for (const lane of LANES) {
        const key = { provider, model, lane };
        try {
          const { ms, samples } = await this.latencies.latencyPercentile(provider, model, lane, since, PLANNING_PERCENTILE);
          if (ms === undefined || samples < this.options.minSamples) {
            this.estimates.forget(key);
            continue;
          }
          this.estimates.observe(key, ms, now.getTime());
          updated++;
        } catch (error) {
          failed.push(error);
        }
      }
    }
    return { updated, failed };
  }

  private remember(provider: Provider, model: string): void {
    const id = `${provider}\u0000${model}`;
    // Re-inserting moves the pair to the end, so the map's first entry is the least recently routed.
    this.models.delete(id);
    this.models.set(id, { provider, model });
    if (this.models.size > this.maxModels) this.models.delete(this.models.keys().next().value as string);
  }
}
