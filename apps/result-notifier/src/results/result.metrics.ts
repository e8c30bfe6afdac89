import { InferenceResultV1, Lane } from '@sluice/contracts';
import { MetricsRegistry } from '@sluice/observability';
import { Counter } from 'prom-client';

export type SkipReason = 'superseded' | 'duplicate' | 'unknown-request';

export class ResultMetrics {
  private readonly booked: Counter<'lane' | 'status'>;
  private readonly costUsd: Counter<'lane'>;
  private readonly realtimeCostUsd: Counter<'lane'>;
  private readonly savedUsd: Counter<'lane'>;
  private readonly deadlineMet: Counter<'lane' | 'met'>;
  private readonly skippedResults: Counter<'lane' | 'reason'>;
  private readonly missingReplyTopics: Counter;
  private readonly extraCalls: Counter<'lane'>;
  private readonly extraCostUsd: Counter<'lane'>;

  constructor(registry: MetricsRegistry) {
    this.booked = registry.counter({
      name: 'sluice_results_booked_total',
      help: "Results booked as their request's completion (and delivered), by lane and status.",
      labelNames: ['lane', 'status'],
    });
    this.costUsd = registry.counter({
      name: 'sluice_cost_usd_total',
      help: 'What providers billed for booked results, delivered or superseded, and for extra calls, by lane (USD).',
      labelNames: ['lane'],
    });
    this.realtimeCostUsd = registry.counter({
      name: 'sluice_realtime_cost_usd_total',
      help:
        'What delivered completions would have cost on the realtime lane at list price, by the lane that answered (USD). ' +
        'The honest saving against all-realtime is this minus sluice_cost_usd_total, which also holds superseded results.',
      labelNames: ['lane'],
    });
    this.savedUsd = registry.counter({
      name: 'sluice_saved_usd_total',
      help: "Realtime price minus what delivered completions cost, by the lane that answered (USD); superseded results' cost is not taken off (see sluice_realtime_cost_usd_total).",
      labelNames: ['lane'],
    });
    this.deadlineMet = registry.counter({
      name: 'sluice_deadline_met_total',
      help: 'Delivered completions of requests with a deadline, by lane and whether the deadline was met.',
      labelNames: ['lane', 'met'],
    });
    this.skippedResults = registry.counter({
      name: 'sluice_results_skipped_total',
      help: 'Results not delivered: superseded by another lane, a duplicate of a delivered one, or for a request the ledger does not know.',
      labelNames: ['lane', 'reason'],
    });
    this.missingReplyTopics = registry.counter({
      name: 'sluice_reply_topic_missing_total',
      help: "Completions not copied to their request's replyTo topic because the topic does not exist.",
    });
    this.extraCalls = registry.counter({
      name: 'sluice_extra_calls_total',
      help:
        'Provider calls billed a second time for one result (a lane message redelivered after a crash and answered again), ' +
        'booked as extra spend, by lane. Each is in sluice_cost_usd_total and sluice_extra_spend_usd_total.',
      labelNames: ['lane'],
    });
    this.extraCostUsd = registry.counter({
      name: 'sluice_extra_spend_usd_total',
      help: 'What the extra calls of sluice_extra_calls_total cost, by lane (USD).',
      labelNames: ['lane'],
    });
  }

  completion(result: InferenceResultV1): void {
    const { lane } = result;
    this.booked.inc({ lane, status: result.status });
    this.bill(lane, result.cost.usd);
    if (result.cost.realtimeUsd > 0) this.realtimeCostUsd.inc({ lane }, result.cost.realtimeUsd);
    // A counter cannot go down; no lane is dearer than realtime in the pricing catalog.
    if (result.cost.savedUsd > 0) this.savedUsd.inc({ lane }, result.cost.savedUsd);
    if (result.deadlineMet !== undefined) this.deadlineMet.inc({ lane, met: String(result.deadlineMet) });
  }

  superseded(result: InferenceResultV1): void {
    this.bill(result.lane, result.cost.usd);
    this.skipped(result.lane, 'superseded');
  }

  /** A provider call answered a result that was already recorded: its spend was booked as extra. */
  extraSpend(result: InferenceResultV1): void {
    this.extraCalls.inc({ lane: result.lane });
    this.bill(result.lane, result.cost.usd);
    if (result.cost.usd > 0) this.extraCostUsd.inc({ lane: result.lane }, result.cost.usd);
  }

  skipped(lane: Lane, reason: SkipReason): void {
    this.skippedResults.inc({ lane, reason });
  }

  replyTopicMissing(): void {
    this.missingReplyTopics.inc();
  }

  private bill(lane: Lane, usd: number): void {
    if (usd > 0) this.costUsd.inc({ lane }, usd);
  }
}
