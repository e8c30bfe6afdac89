import type { Lane } from '@sluice/routing';
import { LearnedEstimates, type LatencySource } from './learned-estimates';

const DEFAULTS = { realtime: 10_000, async: 300_000, batch: 21_600_000 };
const WINDOW = 3_600_000;
const T0 = new Date('2030-01-01T00:00:00Z');

class FakeLatencies implements LatencySource {
  readonly p95 = new Map<string, number>();
  readonly asked: Array<{ model: string; lane: Lane; since: Date; percentile: number | undefined }> = [];

  async latencyPercentileMs(_provider: string, model: string, lane: Lane, since: Date, percentile?: number): Promise<number | undefined> {
    this.asked.push({ model, lane, since, percentile });
    return this.p95.get(`${model}/${lane}`);
  }
}

describe('LearnedEstimates', () => {
  it('uses the policy defaults before anything was learned', () => {
    const estimates = new LearnedEstimates(new FakeLatencies(), { defaultsMs: DEFAULTS, windowMs: WINDOW });
    expect(estimates.estimateMs({ provider: 'openai', model: 'gpt-4o-mini', lane: 'batch' }, T0)).toBe(21_600_000);
  });

  it('learns the p95 of the window for the models it has routed', async () => {
    const latencies = new FakeLatencies();
    latencies.p95.set('gpt-4o-mini/batch', 120_000);
    const estimates = new LearnedEstimates(latencies, { defaultsMs: DEFAULTS, windowMs: WINDOW });
    estimates.estimateMs({ provider: 'openai', model: 'gpt-4o-mini', lane: 'realtime' }, T0);
    expect(await estimates.refresh(T0)).toEqual({ updated: 1, failed: [] });
    expect(latencies.asked).toHaveLength(3);
    expect(latencies.asked[0]).toEqual({ model: 'gpt-4o-mini', lane: 'realtime', since: new Date(T0.getTime() - WINDOW), percentile: 0.95 });
    expect(estimates.estimateMs({ provider: 'openai', model: 'gpt-4o-mini', lane: 'batch' }, T0)).toBe(120_000);
    expect(estimates.estimateMs({ provider: 'openai', model: 'gpt-4o-mini', lane: 'async' }, T0)).toBe(300_000);
  });

  it('replaces an estimate on refresh and lets it age out to the default without completions', async () => {
    const latencies = new FakeLatencies();
    const estimates = new LearnedEstimates(latencies, { defaultsMs: DEFAULTS, windowMs: WINDOW });
    const key = { provider: 'openai', model: 'm', lane: 'realtime' as const };
    estimates.estimateMs(key, T0);
    latencies.p95.set('m/realtime', 2_000);
    await estimates.refresh(T0);
    latencies.p95.set('m/realtime', 3_000);
    const later = new Date(T0.getTime() + 60_000);
    await estimates.refresh(later);
    expect(estimates.estimateMs(key, later)).toBe(3_000);
    latencies.p95.delete('m/realtime');
    const muchLater = new Date(later.getTime() + WINDOW + 1);
    await estimates.refresh(muchLater);
    expect(estimates.estimateMs(key, muchLater)).toBe(10_000);
  });

  it('keeps refreshing the other keys when one read fails', async () => {
    const latencies = new FakeLatencies();
    latencies.p95.set('b/realtime', 1_500);
    const original = latencies.latencyPercentileMs.bind(latencies);
    latencies.latencyPercentileMs = async (provider, model, lane, since, percentile) => {
      if (model === 'a') throw new Error('database down');
      return original(provider, model, lane, since, percentile);
    };
    const estimates = new LearnedEstimates(latencies, { defaultsMs: DEFAULTS, windowMs: WINDOW });
    estimates.estimateMs({ provider: 'openai', model: 'a', lane: 'realtime' }, T0);
    estimates.estimateMs({ provider: 'openai', model: 'b', lane: 'realtime' }, T0);
    const outcome = await estimates.refresh(T0);
    expect(outcome.updated).toBe(1);
    expect(outcome.failed).toHaveLength(3);
    expect(estimates.estimateMs({ provider: 'openai', model: 'b', lane: 'realtime' }, T0)).toBe(1_500);
  });

  it('forgets the least recently routed models beyond its bound', async () => {
    const latencies = new FakeLatencies();
    const estimates = new LearnedEstimates(latencies, { defaultsMs: DEFAULTS, windowMs: WINDOW, maxModels: 2 });
    for (const model of ['a', 'b', 'a', 'c']) estimates.estimateMs({ provider: 'openai', model, lane: 'realtime' }, T0);
    await estimates.refresh(T0);
    expect([...new Set(latencies.asked.map((q) => q.model))].sort()).toEqual(['a', 'c']);
  });
});
