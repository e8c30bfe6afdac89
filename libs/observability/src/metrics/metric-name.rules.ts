/**
 * Units a Sluice metric may be measured in. The unit is part of the name (Prometheus convention), so a
 * dashboard never has to guess whether `latency` is in seconds or milliseconds.
 */
export const METRIC_UNITS = ['seconds', 'bytes', 'usd', 'tokens', 'messages', 'requests', 'items', 'batches', 'ratio'] as const;

const NAME = /^sluice_[a-z][a-z0-9_]*[a-z0-9]$/;

export type MetricKind = 'counter' | 'gauge' | 'histogram';

/**
 * Returns why `name` is not an acceptable metric name for `kind`, or null when it is:
 * `sluice_` prefix, snake case, counters end in `_total`, gauges and histograms end in a unit; a gauge
 * that is 1 or 0 for "reachable or not" may end in `_up` instead, as Prometheus' own `up` does.
 */
export function metricNameProblem(kind: MetricKind, name: string): string | null {
  if (!NAME.test(name)) return `metric "${name}" must be snake_case and start with "sluice_"`;
  if (kind === 'counter') return name.endsWith('_total') ? null : `counter "${name}" must end in "_total"`;
  if (kind === 'gauge' && name.endsWith('_up')) return null;
  const unit = METRIC_UNITS.find((candidate) => name.endsWith(`_${candidate}`));
  return unit ? null : `${kind} "${name}" must end in a unit: ${METRIC_UNITS.map((u) => `_${u}`).join(', ')}`;
}
