import type { LatencyPercentile } from '@sluice/ledger';
import type { Lane } from '@sluice/routing';
import { LearnedEstimates, type LatencySource } from './learned-estimates';

const DEFAULTS = { realtime: 10_000, async: 300_000, batch: 21_600_000 };
const WINDOW = 3_600_000;
const MIN_SAMPLES = 20;
const T0 = new Date('2030-01-01T00:00:00Z');

class FakeLatencies implements LatencySource {
  readonly observed = new Map<string, LatencyPercentile>();
  readonly asked: Array<{ model: string; lane: Lane; since: Date; percentile: number | undefined }> = [];

  set(model: string, lane: Lane, ms: number, samples = MIN_SAMPLES): void {
    this.observed.set(`${model}/${lane}`, { ms, samples });
  }

  async latencyPercentile(_provider: string, model: string, lane: Lane, since: Date, percentile?: number): Promise<LatencyPercentile> {
    this.asked.push({ model, lane, since, percentile });
    return this.observed.get(`${model}/${lane}`) ?? { samples: 0, ms: undefined };
  }
}

function learned(latencies: LatencySource, options: { maxModels?: number } = {}): LearnedEstimates {
  return new LearnedEstimates(latencies, { defaultsMs: DEFAULTS, windowMs: WINDOW, minSamples: MIN_SAMPLES, ...options });
}

describe('LearnedEstimates', () => {
  it('uses the policy defaults before anything was learned', () => {
    const estimates = learned(new FakeLatencies());
    expect(estimates.estimateMs({ provider: 'openai', model: 'gpt-4o-mini', lane: 'batch' }, T0)).toBe(21_600_000);
  });

  it('learns the p95 of the window for the models it has routed', async () => {
    const latencies = new FakeLatencies();
    latencies.set('gpt-4o-mini', 'batch', 120_000);
    const estimates = learned(latencies);
    estimates.estimateMs({ provider: 'openai', model: 'gpt-4o-mini', lane: 'realtime' }, T0);
    expect(await estimates.refresh(T0)).toEqual({ updated: 1, failed: [] });
    expect(latencies.asked).toHaveLength(3);
    expect(latencies.asked[0]).toEqual({ model: 'gpt-4o-mini', lane: 'realtime', since: new Date(T0.getTime() - WINDOW), percentile: 0.95 });
    expect(estimates.estimateMs({ provider: 'openai', model: 'gpt-4o-mini', lane: 'batch' }, T0)).toBe(120_000);
    expect(estimates.estimateMs({ provider: 'openai', model: 'gpt-4o-mini', lane: 'async' }, T0)).toBe(300_000);
  });

  it('keeps the default while fewer completions than the minimum back the p95', async () => {
    const latencies = new FakeLatencies();
    const key = { provider: 'openai', model: 'm', lane: 'batch' as const };
    const estimates = learned(latencies);
    estimates.estimateMs(key, T0);
    latencies.set('m', 'batch', 90_000, MIN_SAMPLES - 1);
    expect(await estimates.refresh(T0)).toEqual({ updated: 0, failed: [] });
    expect(estimates.estimateMs(key, T0)).toBe(21_600_000);
    latencies.set('m', 'batch', 90_000, MIN_SAMPLES);
    expect(await estimates.refresh(T0)).toEqual({ updated: 1, failed: [] });
    expect(estimates.estimateMs(key, T0)).toBe(90_000);
  });

  it('goes back to the default as soon as the window holds fewer completions than the minimum', async () => {
    const latencies = new FakeLatencies();
    const key = { provider: 'openai', model: 'm', lane: 'realtime' as const };
    const estimates = learned(latencies);
    estimates.estimateMs(key, T0);
    latencies.set('m', 'realtime', 2_000, 500);
    await estimates.refresh(T0);
    expect(estimates.estimateMs(key, T0)).toBe(2_000);
    latencies.set('m', 'realtime', 2_500, 3);
    const later = new Date(T0.getTime() + 60_000);
    await estimates.refresh(later);
    expect(estimates.estimateMs(key, later)).toBe(10_000);
  });

  it('replaces an estimate on refresh and lets it age out to the default when refreshes stop', async () => {
    const latencies = new FakeLatencies();
    const estimates = learned(latencies);
    const key = { provider: 'openai', model: 'm', lane: 'realtime' as const };
    estimates.estimateMs(key, T0);
    latencies.set('m', 'realtime', 2_000);
    await estimates.refresh(T0);
    latencies.set('m', 'realtime', 3_000);
    const later = new Date(T0.getTime() + 60_000);
    await estimates.refresh(later);
    expect(estimates.estimateMs(key, later)).toBe(3_000);
    // No refresh for a whole window (the ledger was unreachable): the estimate expires.
    expect(estimates.estimateMs(key, new Date(later.getTime() + WINDOW + 1))).toBe(10_000);
  });

  it('keeps refreshing the other keys when one read fails, and keeps the failed key as it was', async () => {
    const latencies = new FakeLatencies();
    latencies.set('a', 'realtime', 1_000);
    latencies.set('b', 'realtime', 1_500);
    const estimates = learned(latencies);
    estimates.estimateMs({ provider: 'openai', model: 'a', lane: 'realtime' }, T0);
    estimates.estimateMs({ provider: 'openai', model: 'b', lane: 'realtime' }, T0);
    await estimates.refresh(T0);
    const original = latencies.latencyPercentile.bind(latencies);
    latencies.latencyPercentile = async (provider, model, lane, since, percentile) => {
      if (model === 'a') throw new Error('database down');
      return original(provider, model, lane, since, percentile);
    };
    latencies.set('b', 'realtime', 1_800);
    const outcome = await estimates.refresh(T0);
    expect(outcome.updated).toBe(1);
    expect(outcome.failed).toHaveLength(3);
    expect(estimates.estimateMs({ provider: 'openai', model: 'a', lane: 'realtime' }, T0)).toBe(1_000);
    expect(estimates.estimateMs({ provider: 'openai', model: 'b', lane: 'realtime' }, T0)).toBe(1_800);
  });

  it('forgets the least recently routed models beyond its bound', async () => {
    const latencies = new FakeLatencies();
    const estimates = learned(latencies, { maxModels: 2 });
    for (const model of ['a', 'b', 'a', 'c']) estimates.estimateMs({ provider: 'openai', model, lane: 'realtime' }, T0);
    await estimates.refresh(T0);
    expect([...new Set(latencies.asked.map((q) => q.model))].sort()).toEqual(['a', 'c']);
  });
});
