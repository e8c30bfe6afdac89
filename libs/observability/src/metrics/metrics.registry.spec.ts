import { MetricsRegistry } from './metrics.registry';

describe('MetricsRegistry', () => {
  it('exposes default process metrics and labels every series with the service', async () => {
    const metrics = new MetricsRegistry('router');
    metrics.counter({ name: 'sluice_messages_consumed_total', help: 'h', labelNames: ['topic'] }).inc({ topic: 'a' });
    const text = await metrics.metrics();
    expect(text).toContain('process_cpu_seconds_total');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
    expect(text).toContain('sluice_messages_consumed_total{topic="a",service="router"} 1');
  });

  it('returns the existing metric when one is defined twice', () => {
    const metrics = new MetricsRegistry('router');
    const first = metrics.histogram({ name: 'sluice_step_duration_seconds', help: 'h' });
    expect(metrics.histogram({ name: 'sluice_step_duration_seconds', help: 'h' })).toBe(first);
  });

  it('refuses a name defined as another kind, and a name without a unit', () => {
    const metrics = new MetricsRegistry('router');
    metrics.histogram({ name: 'sluice_wait_seconds', help: 'h' });
    expect(() => metrics.gauge({ name: 'sluice_wait_seconds', help: 'h' })).toThrow(/already defined as another kind/);
    expect(() => metrics.gauge({ name: 'sluice_queue_depth', help: 'h' })).toThrow(/must end in a unit/);
  });

  it('keeps services apart', async () => {
    const router = new MetricsRegistry('router');
    const worker = new MetricsRegistry('realtime-worker');
    router.counter({ name: 'sluice_only_here_total', help: 'h' }).inc();
    expect(await worker.metrics()).not.toContain('sluice_only_here_total');
  });
});
