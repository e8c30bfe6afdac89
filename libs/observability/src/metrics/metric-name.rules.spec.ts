import { metricNameProblem } from './metric-name.rules';

describe('metricNameProblem', () => {
  it('accepts unit-suffixed sluice names', () => {
    expect(metricNameProblem('counter', 'sluice_messages_consumed_total')).toBeNull();
    expect(metricNameProblem('counter', 'sluice_cost_saved_usd_total')).toBeNull();
    expect(metricNameProblem('histogram', 'sluice_provider_call_duration_seconds')).toBeNull();
    expect(metricNameProblem('gauge', 'sluice_batch_window_items')).toBeNull();
  });

  it('accepts a 1-or-0 gauge ending in _up, and only a gauge', () => {
    expect(metricNameProblem('gauge', 'sluice_dependency_up')).toBeNull();
    expect(metricNameProblem('histogram', 'sluice_dependency_up')).toMatch(/must end in a unit/);
  });

  it('rejects names without a unit, without the prefix or not in snake case', () => {
    expect(metricNameProblem('counter', 'sluice_messages_consumed')).toMatch(/must end in "_total"/);
    expect(metricNameProblem('histogram', 'sluice_latency')).toMatch(/must end in a unit/);
    expect(metricNameProblem('histogram', 'sluice_latency_ms')).toMatch(/must end in a unit/);
    expect(metricNameProblem('counter', 'messages_total')).toMatch(/start with "sluice_"/);
    expect(metricNameProblem('counter', 'sluice_Messages_total')).toMatch(/snake_case/);
  });
});
