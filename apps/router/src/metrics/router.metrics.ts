import type { MetricsRegistry } from '@sluice/observability';
import type { Counter } from 'prom-client';
import { CACHE_HIT_REASON, COALESCED_REASON, type RoutingOutcome } from '../accepted/accepted.handler';
import type { ReleaseOutcome } from '../off-peak/held-lane.releaser';

/** What the router counts: its decisions, what they are expected to save, and what it answered itself. */
export class RouterMetrics {
  private readonly decisions: Counter<'lane' | 'reason'>;
  private readonly savings: Counter;
  private readonly cacheHits: Counter;
  private readonly coalesced: Counter;
  private readonly refusals: Counter<'code'>;
  private readonly republished: Counter;
  private readonly held: Counter;
  private readonly releases: Counter<'outcome'>;

  constructor(metrics: MetricsRegistry) {
    this.decisions = metrics.counter({
      name: 'sluice_router_decisions_total',
      help: 'Routing decisions by lane (cache included) and reason.',
      labelNames: ['lane', 'reason'],
    });
    this.savings = metrics.counter({
      name: 'sluice_router_estimated_savings_usd_total',
      help: 'Estimated USD saved against the realtime list price, at decision time (cache hits: the exact saving).',
    });
    this.cacheHits = metrics.counter({ name: 'sluice_router_cache_hits_total', help: 'Requests answered from the result cache.' });
    this.coalesced = metrics.counter({
      name: 'sluice_router_coalesced_total',
      help: 'Requests queued behind an identical request in flight, to be answered with its result.',
    });
    this.refusals = metrics.counter({
      name: 'sluice_router_refusals_total',
      help: 'Requests the router answered with a failed result (unknown model, budget, lane not allowed), by error code.',
      labelNames: ['code'],
    });
    this.republished = metrics.counter({
      name: 'sluice_router_republished_total',
      help: 'Redelivered requests whose recorded decision was sent again rather than made anew.',
    });
    this.held = metrics.counter({
      name: 'sluice_router_held_total',
      help: 'Requests routed whose lane message waits in the ledger for their notBefore.',
    });
    this.releases = metrics.counter({
      name: 'sluice_router_released_total',
      help: 'Held lane messages released: published to their lane, answered meanwhile (no lane message), or refused by the broker and held for a retry.',
      labelNames: ['outcome'],
    });
  }

  record(outcome: RoutingOutcome): void {
    switch (outcome.kind) {
      case 'routed':
      case 'held':
        this.decisions.inc({ lane: outcome.lane, reason: outcome.reason });
        this.savings.inc(Math.max(0, outcome.realtimeCostUsd - outcome.estimatedCostUsd));
        if (outcome.kind === 'held') this.held.inc();
        return;
      case 'cache-hit':
        this.decisions.inc({ lane: 'cache', reason: CACHE_HIT_REASON });
        this.cacheHits.inc();
        this.savings.inc(outcome.realtimeCostUsd);
        return;
      case 'coalesced':
        this.decisions.inc({ lane: 'cache', reason: COALESCED_REASON });
        this.coalesced.inc();
        this.savings.inc(outcome.realtimeCostUsd);
        return;
      case 'refused':
        this.refusals.inc({ code: outcome.code });
        return;
      case 'republished':
        this.republished.inc();
        return;
      case 'skipped':
      case 'duplicate':
        return;
    }
  }

  released(outcome: ReleaseOutcome): void {
    if (outcome.published > 0) this.releases.inc({ outcome: 'published' }, outcome.published);
    if (outcome.answered > 0) this.releases.inc({ outcome: 'answered' }, outcome.answered);
    if (outcome.failures.length > 0) this.releases.inc({ outcome: 'retried' }, outcome.failures.length);
  }
}
