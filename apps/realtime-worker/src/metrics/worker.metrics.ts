import type { InferenceResultV1 } from '@sluice/contracts';
import type { MetricsRegistry } from '@sluice/observability';
import { findModelPrice, ProviderErrorKind } from '@sluice/providers';
import type { Counter, Gauge, Histogram } from 'prom-client';
import type { CallObserver, CallOutcomeLabel } from '../calls/provider.caller';
import type { AnsweredAction, AnsweredObserver } from '../lanes/answered-requests.filter';
import type { ResultObserver } from '../lanes/lane-request.handler';
import type { KeyUsage, WorkerLane } from '../limiter/concurrency.limiter';
import { parseTargetKey, ProviderTarget } from '../targets/provider.target';

type TargetLabels = 'provider' | 'model' | 'lane';

/**
 * The worker's own series. Model names come from requests, so a model the pricing catalog does not
 * know is counted as `other`: a caller cannot grow the number of series by inventing names.
 */
export class WorkerMetrics implements CallObserver, ResultObserver, AnsweredObserver {
  private readonly callSeconds: Histogram<TargetLabels | 'outcome'>;
  private readonly retries: Counter<TargetLabels | 'kind'>;
  private readonly fallbacks: Counter<TargetLabels | 'fallback_model'>;
  private readonly inUse: Gauge<TargetLabels>;
  private readonly waiting: Gauge<TargetLabels>;
  private readonly results: Counter<'lane' | 'status' | 'code'>;
  private readonly costUsd: Counter<'lane' | 'kind'>;
  private readonly answeredMessages: Counter<'lane' | 'action'>;
  private readonly ledgerChecksFailed: Counter<'lane'>;

  constructor(metrics: MetricsRegistry) {
    this.callSeconds = metrics.histogram({
      name: 'sluice_provider_call_seconds',
      help: 'Duration of one provider call (a streamed one until its last chunk), by provider, model, lane and outcome (success or the ProviderError kind).',
      labelNames: ['provider', 'model', 'lane', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
    });
    this.retries = metrics.counter({
      name: 'sluice_provider_retries_total',
      help: 'Provider calls made again after a retryable failure, by the kind of that failure.',
      labelNames: ['provider', 'model', 'lane', 'kind'],
    });
    this.fallbacks = metrics.counter({
      name: 'sluice_provider_fallbacks_total',
      help: 'Requests sent to their configured fallback model after the requested one gave up.',
      labelNames: ['provider', 'model', 'lane', 'fallback_model'],
    });
    this.inUse = metrics.gauge({
      name: 'sluice_worker_limiter_in_use_requests',
      help: 'Provider calls holding a concurrency slot, by provider, model and lane.',
      labelNames: ['provider', 'model', 'lane'],
    });
    this.waiting = metrics.gauge({
      name: 'sluice_worker_limiter_waiting_requests',
      help: 'Requests waiting for a concurrency slot, by provider, model and lane.',
      labelNames: ['provider', 'model', 'lane'],
    });
    this.results = metrics.counter({
      name: 'sluice_worker_results_total',
      help: 'Results published, by lane, status and error code (none for successes).',
      labelNames: ['lane', 'status', 'code'],
    });
    this.costUsd = metrics.counter({
      name: 'sluice_worker_cost_usd_total',
      help: 'USD of the results published: kind=spent at the tier used, kind=saved against the realtime price.',
      labelNames: ['lane', 'kind'],
    });
    this.answeredMessages = metrics.counter({
      name: 'sluice_worker_answered_messages_total',
      help:
        'Lane messages whose request already had a booked result (a redelivery), so the provider was not called: ' +
        'action=republished when the stored result was published again (its delivery had not finished), acknowledged otherwise.',
      labelNames: ['lane', 'action'],
    });
    this.ledgerChecksFailed = metrics.counter({
      name: 'sluice_worker_ledger_check_failures_total',
      help: 'Fetched batches whose booked results could not be read (the ledger was unreachable), so every message was called.',
      labelNames: ['lane'],
    });
  }

  answered(lane: WorkerLane, action: AnsweredAction): void {
    this.answeredMessages.inc({ lane, action });
  }

  ledgerCheckFailed(lane: WorkerLane): void {
    this.ledgerChecksFailed.inc({ lane });
  }

  providerCall(target: ProviderTarget, lane: WorkerLane, outcome: CallOutcomeLabel, seconds: number): void {
    this.callSeconds.observe({ ...labelsOf(target), lane, outcome }, seconds);
  }

  retry(target: ProviderTarget, lane: WorkerLane, kind: ProviderErrorKind): void {
    this.retries.inc({ ...labelsOf(target), lane, kind });
  }

  fallback(from: ProviderTarget, to: ProviderTarget, lane: WorkerLane): void {
    this.fallbacks.inc({ ...labelsOf(from), lane, fallback_model: labelsOf(to).model });
  }

  limiterUsage(key: string, usage: KeyUsage): void {
    const target = parseTargetKey(key);
    if (!target) return;
    const labels = labelsOf(target);
    for (const lane of ['realtime', 'async'] as const) {
      this.inUse.set({ ...labels, lane }, usage.inUse[lane]);
      this.waiting.set({ ...labels, lane }, usage.waiting[lane]);
    }
  }

  result(result: InferenceResultV1): void {
    this.results.inc({ lane: result.lane, status: result.status, code: result.error?.code ?? 'none' });
    this.costUsd.inc({ lane: result.lane, kind: 'spent' }, result.cost.usd);
    this.costUsd.inc({ lane: result.lane, kind: 'saved' }, Math.max(0, result.cost.savedUsd));
  }
}

function labelsOf(target: ProviderTarget): { provider: string; model: string } {
  return { provider: target.provider, model: findModelPrice(target.provider, target.model)?.model ?? 'other' };
}
