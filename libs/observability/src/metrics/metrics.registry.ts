import { collectDefaultMetrics, Counter, Gauge, Histogram, Metric, Registry } from 'prom-client';
import { MetricKind, metricNameProblem } from './metric-name.rules';

export interface MetricDefinition<L extends string> {
  name: string;
  help: string;
  labelNames?: readonly L[];
}

export interface GaugeDefinition<L extends string> extends MetricDefinition<L> {
  /** Called at each scrape before the gauge is read, to set it from the current state. */
  collect?: () => void | Promise<void>;
}

export interface HistogramDefinition<L extends string> extends MetricDefinition<L> {
  buckets?: number[];
}

/**
 * One Prometheus registry per service (never prom-client's global one, so two services or two tests in
 * one process do not share series), with the process's default metrics and `service` on every series.
 * Defining a metric twice returns the first definition, so every consumer can declare what it counts.
 */
export class MetricsRegistry {
  readonly registry = new Registry();

  constructor(service: string) {
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string = never>(definition: MetricDefinition<L>): Counter<L> {
    return this.define('counter', Counter, definition);
  }

  gauge<L extends string = never>(definition: GaugeDefinition<L>): Gauge<L> {
    return this.define('gauge', Gauge, definition);
  }

  histogram<L extends string = never>(definition: HistogramDefinition<L>): Histogram<L> {
    return this.define('histogram', Histogram, definition);
  }

  /** The exposition text for a scrape. */
  metrics(): Promise<string> {
    return this.registry.metrics();
  }

  private define<M extends Metric<string>>(
    kind: MetricKind,
    type: new (configuration: never) => M,
    definition: HistogramDefinition<string> | GaugeDefinition<string>,
  ): M {
    const problem = metricNameProblem(kind, definition.name);
    if (problem) throw new Error(problem);
    const existing = this.registry.getSingleMetric(definition.name);
    if (existing) {
      if (!(existing instanceof type)) throw new Error(`metric "${definition.name}" is already defined as another kind`);
      return existing;
    }
    const configuration = { ...definition, labelNames: [...(definition.labelNames ?? [])], registers: [this.registry] };
    return new type(configuration as never);
  }
}
