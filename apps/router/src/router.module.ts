import { Module } from '@nestjs/common';
import { KafkaProducer } from '@sluice/kafka';
import { createRepositories, type LedgerRepositories } from '@sluice/ledger';
import { MetricsRegistry, PG_POOL } from '@sluice/observability';
import type { RoutingPolicy } from '@sluice/routing';
import type { Pool } from 'pg';
import { AcceptedConsumer } from './accepted/accepted.consumer';
import { AcceptedHandler } from './accepted/accepted.handler';
import { LearnedTurnarounds } from '@sluice/ledger';
import { TurnaroundsRefresher } from './turnarounds/turnarounds.refresher';
import { HeldLaneReleaser } from './off-peak/held-lane.releaser';
import { OffPeakScheduler } from './off-peak/off-peak.scheduler';
import { RouterMetrics } from './metrics/router.metrics';
import { loadRoutingPolicy } from '@sluice/config';
import { KafkaRouterPublisher } from './publishing/kafka-router.publisher';
import { DEFAULT_ROUTER_TOPICS, ROUTER_TOPICS, type RouterTopics } from './publishing/router.topics';
import { RouterConfig } from './router.config';
import { DailySpendTracker } from './spend/daily-spend.tracker';
import { SpendRefresher } from './spend/spend.refresher';

const ROUTING_POLICY = Symbol('sluice.routing-policy');
const LEDGER = Symbol('sluice.router-ledger');
const PUBLISHER = Symbol('sluice.router-publisher');

/** The router's composition root; the shared service parts come from bootstrapService. */
@Module({
  controllers: [AcceptedConsumer],
  providers: [
    // Read while the module is built: a bad policy file fails the boot before anything is consumed.
    { provide: ROUTING_POLICY, inject: [RouterConfig], useFactory: (config: RouterConfig) => loadRoutingPolicy(config.ROUTING_POLICY_FILE) },
    { provide: LEDGER, inject: [PG_POOL], useFactory: (pool: Pool) => createRepositories(pool) },
    { provide: ROUTER_TOPICS, useValue: DEFAULT_ROUTER_TOPICS },
    {
      provide: PUBLISHER,
      inject: [KafkaProducer, ROUTER_TOPICS],
      useFactory: (producer: KafkaProducer, topics: RouterTopics) => new KafkaRouterPublisher(producer, topics),
    },
    {
      provide: LearnedTurnarounds,
      inject: [LEDGER, ROUTING_POLICY, RouterConfig],
      useFactory: (ledger: LedgerRepositories, policy: RoutingPolicy, config: RouterConfig) =>
        new LearnedTurnarounds(ledger.completions, { policy, windowMs: config.ROUTER_ESTIMATES_WINDOW_MS }),
    },
    TurnaroundsRefresher,
    { provide: RouterMetrics, inject: [MetricsRegistry], useFactory: (metrics: MetricsRegistry) => new RouterMetrics(metrics) },
    {
      provide: HeldLaneReleaser,
      inject: [LEDGER, PUBLISHER, RouterConfig],
      useFactory: (ledger: LedgerRepositories, publisher: KafkaRouterPublisher, config: RouterConfig) =>
        new HeldLaneReleaser({ holds: ledger.scheduledLaneMessages, publisher, clock: () => new Date() }, config.ROUTER_OFFPEAK_BATCH_SIZE),
    },
    OffPeakScheduler,
    {
      provide: DailySpendTracker,
      inject: [LEDGER, ROUTING_POLICY],
      useFactory: (ledger: LedgerRepositories, policy: RoutingPolicy) =>
        new DailySpendTracker(
          ledger.completions,
          Object.entries(policy.tenants).flatMap(([tenant, settings]) => (settings.dailyBudgetUsd === undefined ? [] : [tenant])),
        ),
    },
    SpendRefresher,
    {
      provide: AcceptedHandler,
      inject: [LEDGER, LearnedTurnarounds, DailySpendTracker, PUBLISHER, ROUTING_POLICY, RouterConfig],
      useFactory: (
        ledger: LedgerRepositories,
        turnarounds: LearnedTurnarounds,
        spend: DailySpendTracker,
        publisher: KafkaRouterPublisher,
        policy: RoutingPolicy,
        config: RouterConfig,
      ) =>
        new AcceptedHandler(
          {
            requests: ledger.requests,
            flights: ledger.coalescing,
            cache: ledger.cache,
            spend,
            turnarounds,
            publisher,
            clock: () => new Date(),
          },
          { policy, coalesceStaleMs: config.ROUTER_COALESCE_STALE_MS },
        ),
    },
  ],
})
export class RouterModule {}
