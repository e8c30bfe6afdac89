import type { MetricsRegistry } from '@sluice/observability';
import { findModelPrice } from '@sluice/providers';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { FlushReason, WindowKey } from '../windows/batch-window';

/** The aggregator's own series; a model the pricing catalog does not know is counted as `other`. */
export class AggregatorMetrics {
  private readonly windowsClosed: Counter<'provider' | 'model' | 'reason'>;
  private readonly batchRequests: Histogram<'provider' | 'model'>;
  private readonly submitSeconds: Histogram<'provider' | 'outcome'>;
  private readonly lines: Counter<'provider' | 'model' | 'outcome'>;
  private readonly escalations: Counter<'reason'>;
  private readonly resubmitted: Counter<'provider' | 'model'>;
  private readonly waitingRequests: Gauge;
  private readonly openBatches: Gauge;

  constructor(metrics: MetricsRegistry) {
    this.windowsClosed = metrics.counter({
      name: 'sluice_batch_windows_closed_total',
      help: 'Windows closed for submission, by what closed them (count, bytes, inputs, age, deadline; restart: closed before a restart, found in the ledger at start).',
      labelNames: ['provider', 'model', 'reason'],
    });
    this.batchRequests = metrics.histogram({
      name: 'sluice_batch_size_requests',
      help: 'Requests per provider batch submitted.',
      labelNames: ['provider', 'model'],
      buckets: [1, 10, 100, 1_000, 5_000, 10_000, 25_000, 50_000, 100_000],
    });
    this.submitSeconds = metrics.histogram({
      name: 'sluice_batch_submit_seconds',
      help: 'Time to build, upload and create one provider batch, by outcome.',
      labelNames: ['provider', 'outcome'],
      buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    });
    this.lines = metrics.counter({
      name: 'sluice_batch_lines_total',
      help: 'Batch lines resolved, by outcome (succeeded, failed, resubmitted, escalated, late: answered after escalation).',
      labelNames: ['provider', 'model', 'outcome'],
    });
    this.escalations = metrics.counter({
      name: 'sluice_batch_escalations_total',
      help: 'Batched requests re-issued on the realtime lane, by reason.',
      labelNames: ['reason'],
    });
    this.resubmitted = metrics.counter({
      name: 'sluice_batch_resubmitted_requests_total',
      help: 'Requests that did not come back from a batch (expired, cancelled, failed) and went into another.',
      labelNames: ['provider', 'model'],
    });
    this.waitingRequests = metrics.gauge({
      name: 'sluice_batch_window_waiting_requests',
      help: 'Requests waiting in open windows, each counted once its ledger write has committed.',
    });
    this.openBatches = metrics.gauge({ name: 'sluice_batch_open_batches', help: 'Provider batches submitted and not yet resolved.' });
  }

  windowClosed(key: WindowKey, reason: FlushReason): void {
    this.windowsClosed.inc({ provider: key.provider, model: modelLabel(key), reason });
  }

  submitted(key: WindowKey, requests: number): void {
    this.batchRequests.observe({ provider: key.provider, model: modelLabel(key) }, requests);
  }

  submitTook(provider: string, outcome: 'submitted' | 'failed' | 'retry', seconds: number): void {
    this.submitSeconds.observe({ provider, outcome }, seconds);
  }

  linesResolved(key: WindowKey, outcome: 'succeeded' | 'failed' | 'resubmitted' | 'escalated' | 'late', count: number): void {
    if (count > 0) this.lines.inc({ provider: key.provider, model: modelLabel(key), outcome }, count);
  }

  escalated(reason: string, count: number): void {
    if (count > 0) this.escalations.inc({ reason }, count);
  }

  resubmittedRequests(key: WindowKey, count: number): void {
    if (count > 0) this.resubmitted.inc({ provider: key.provider, model: modelLabel(key) }, count);
  }

  waiting(count: number): void {
    this.waitingRequests.set(count);
  }

  open(count: number): void {
    this.openBatches.set(count);
  }
}

function modelLabel(key: WindowKey): string {
  return findModelPrice(key.provider, key.model) ? key.model : 'other';
}
