import { ErrorCode } from '@sluice/contracts';
import { MetricsRegistry } from '@sluice/observability';
import { RouterMetrics } from './router.metrics';

async function valueOf(registry: MetricsRegistry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = (await registry.registry.getMetricsAsJSON()).find((m) => m.name === name);
  const values = (metric?.values ?? []) as Array<{ value: number; labels: Record<string, string | number> }>;
  return values.filter((v) => Object.entries(labels).every(([key, value]) => String(v.labels[key]) === value)).reduce((sum, v) => sum + v.value, 0);
}

describe('RouterMetrics', () => {
  it('counts decisions by lane and reason, with what they are expected to save', async () => {
    const registry = new MetricsRegistry('router-test');
    const metrics = new RouterMetrics(registry);
    metrics.record({ kind: 'routed', lane: 'batch', reason: 'slack-allows-batch', estimatedCostUsd: 0.25, realtimeCostUsd: 1 });
    metrics.record({ kind: 'cache-hit', realtimeCostUsd: 0.5, sourceRequestId: 'r0' });
    metrics.record({ kind: 'coalesced', leader: { tenant: 't', requestId: 'r1' }, realtimeCostUsd: 0.125 });
    metrics.record({ kind: 'refused', code: ErrorCode.BUDGET_EXCEEDED, message: 'over' });
    metrics.record({ kind: 'republished', lane: 'batch', reason: 'slack-allows-batch' });

    expect(await valueOf(registry, 'sluice_router_decisions_total', { lane: 'batch', reason: 'slack-allows-batch' })).toBe(1);
    expect(await valueOf(registry, 'sluice_router_decisions_total', { lane: 'cache', reason: 'cache-hit' })).toBe(1);
    expect(await valueOf(registry, 'sluice_router_decisions_total', { lane: 'cache', reason: 'coalesced' })).toBe(1);
    expect(await valueOf(registry, 'sluice_router_estimated_savings_usd_total')).toBe(0.75 + 0.5 + 0.125);
    expect(await valueOf(registry, 'sluice_router_cache_hits_total')).toBe(1);
    expect(await valueOf(registry, 'sluice_router_coalesced_total')).toBe(1);
    expect(await valueOf(registry, 'sluice_router_refusals_total', { code: 'BUDGET_EXCEEDED' })).toBe(1);
    expect(await valueOf(registry, 'sluice_router_republished_total')).toBe(1);
  });

  it('counts held requests as decisions too, and what became of released ones', async () => {
    const registry = new MetricsRegistry('router-test');
    const metrics = new RouterMetrics(registry);
    metrics.record({
      kind: 'held',
      lane: 'batch',
      reason: 'slack-allows-batch',
      estimatedCostUsd: 0.25,
      realtimeCostUsd: 1,
      releaseAt: '2030-01-01T02:00:00.000Z',
    });
    metrics.released({ published: 3, answered: 1, failures: [{ tenant: 't', requestId: 'r9', error: 'MESSAGE_TOO_LARGE' }], more: false });
    metrics.released({ published: 2, answered: 0, failures: [], more: false });

    expect(await valueOf(registry, 'sluice_router_decisions_total', { lane: 'batch', reason: 'slack-allows-batch' })).toBe(1);
    expect(await valueOf(registry, 'sluice_router_estimated_savings_usd_total')).toBe(0.75);
    expect(await valueOf(registry, 'sluice_router_held_total')).toBe(1);
    expect(await valueOf(registry, 'sluice_router_released_total', { outcome: 'published' })).toBe(5);
    expect(await valueOf(registry, 'sluice_router_released_total', { outcome: 'answered' })).toBe(1);
    expect(await valueOf(registry, 'sluice_router_released_total', { outcome: 'retried' })).toBe(1);
  });
});
