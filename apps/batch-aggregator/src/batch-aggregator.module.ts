import { Module } from '@nestjs/common';
import { KafkaProducer } from '@sluice/kafka';
import { createRepositories, LearnedTurnarounds, LedgerRepositories } from '@sluice/ledger';
import { abortableSleep, MetricsRegistry, PG_POOL, REQUEST_TRACER, ROOT_LOGGER, type RequestTracer } from '@sluice/observability';
import { loadRoutingPolicy } from '@sluice/config';
import { createProviderAdapters, ProviderAdapters } from '@sluice/providers';
import { batchPlan, type BatchPlan, type RoutingPolicy } from '@sluice/routing';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { BatchAggregatorConfig } from './batch-aggregator.config';
import { DeadlineGuard } from './escalation/deadline.guard';
import { Escalator } from './escalation/escalator';
import { AggregatorPublisher } from './events/aggregator.publisher';
import { BatchIntake } from './lane/batch.intake';
import { AGGREGATOR_BATCHES, BatchLaneConsumer } from './lane/batch-lane.consumer';
import { AggregatorMetrics } from './metrics/aggregator.metrics';
import { BatchResolver, newBatchId } from './results/batch.resolver';
import { BatchSubmitter } from './submit/batch.submitter';
import { BatchTracker } from './tracking/batch.tracker';
import type { WindowKey, WindowLimits } from './windows/batch-window';
import { WindowFlusher } from './windows/window.flusher';
import { TurnaroundsRefresher } from './windows/turnarounds.refresher';

const LEDGER = Symbol('batch-aggregator.ledger');
const ROUTING_POLICY = Symbol('batch-aggregator.routing-policy');
const ADAPTERS = Symbol('batch-aggregator.provider-adapters');
const clock = (): Date => new Date();

/** The batch plan of one provider and model now: the batch lane's prior blended with what was learned, from memory. */
function planFor(turnarounds: LearnedTurnarounds, provider: string, model: string): BatchPlan {
  return batchPlan(turnarounds.turnaround(provider, model, 'batch', clock()));
}

/** The batch-aggregator's composition root; the shared service parts come from bootstrapService. */
@Module({
  providers: [
    { provide: LEDGER, inject: [PG_POOL], useFactory: (pool: Pool) => createRepositories(pool) },
    { provide: AGGREGATOR_BATCHES, inject: [LEDGER], useFactory: (ledger: LedgerRepositories) => ledger.batches },
    // Read while the module is built: a bad policy file fails the boot before anything is consumed.
    { provide: ROUTING_POLICY, inject: [BatchAggregatorConfig], useFactory: (config: BatchAggregatorConfig) => loadRoutingPolicy(config.ROUTING_POLICY_FILE) },
    {
      provide: LearnedTurnarounds,
      inject: [BatchAggregatorConfig, LEDGER, ROUTING_POLICY],
      useFactory: (config: BatchAggregatorConfig, ledger: LedgerRepositories, policy: RoutingPolicy) =>
        new LearnedTurnarounds(ledger.completions, { policy, windowMs: config.BATCH_TURNAROUNDS_WINDOW_MS }),
    },
    TurnaroundsRefresher,
    {
      provide: ADAPTERS,
      inject: [BatchAggregatorConfig],
      useFactory: (config: BatchAggregatorConfig): ProviderAdapters =>
        createProviderAdapters({
          openai: { baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY },
          anthropic: { baseURL: config.ANTHROPIC_BASE_URL, apiKey: config.ANTHROPIC_API_KEY },
        }),
    },
    { provide: AggregatorMetrics, inject: [MetricsRegistry], useFactory: (registry: MetricsRegistry) => new AggregatorMetrics(registry) },
    { provide: AggregatorPublisher, inject: [KafkaProducer], useFactory: (producer: KafkaProducer) => new AggregatorPublisher(producer) },
    {
      provide: Escalator,
      inject: [LEDGER, AggregatorPublisher, AggregatorMetrics],
      useFactory: (ledger: LedgerRepositories, publisher: AggregatorPublisher, metrics: AggregatorMetrics) =>
        new Escalator({ publisher, batches: ledger.batches, requests: ledger.requests, metrics, clock }),
    },
    {
      provide: BatchSubmitter,
      inject: [BatchAggregatorConfig, ADAPTERS, LEDGER, AggregatorPublisher, AggregatorMetrics, ROOT_LOGGER],
      useFactory: (
        config: BatchAggregatorConfig,
        adapters: ProviderAdapters,
        ledger: LedgerRepositories,
        publisher: AggregatorPublisher,
        metrics: AggregatorMetrics,
        logger: Logger,
      ) =>
        new BatchSubmitter({
          adapters,
          batches: ledger.batches,
          requests: ledger.requests,
          publisher,
          metrics,
          sleep: abortableSleep,
          clock,
          logger: logger.child({ component: 'submitter' }),
          retry: { baseDelayMs: config.BATCH_POLL_MIN_MS, maxDelayMs: config.BATCH_POLL_MAX_MS },
        }),
    },
    {
      provide: BatchResolver,
      inject: [
        BatchAggregatorConfig,
        ADAPTERS,
        LEDGER,
        AggregatorPublisher,
        Escalator,
        AggregatorMetrics,
        LearnedTurnarounds,
        ROUTING_POLICY,
        ROOT_LOGGER,
        REQUEST_TRACER,
      ],
      useFactory: (
        config: BatchAggregatorConfig,
        adapters: ProviderAdapters,
        ledger: LedgerRepositories,
        publisher: AggregatorPublisher,
        escalator: Escalator,
        metrics: AggregatorMetrics,
        turnarounds: LearnedTurnarounds,
        policy: RoutingPolicy,
        logger: Logger,
        tracer: RequestTracer,
      ) =>
        new BatchResolver(
          { adapters, batches: ledger.batches, publisher, escalator, metrics, clock, logger: logger.child({ component: 'resolver' }), tracer },
          {
            maxAttempts: config.BATCH_MAX_ATTEMPTS,
            resubmitMs: (provider, model) => planFor(turnarounds, provider, model).resubmitMs,
            escalationLeadMs: policy.turnaround.escalationLeadMs,
          },
        ),
    },
    {
      provide: BatchTracker,
      inject: [BatchAggregatorConfig, ADAPTERS, LEDGER, AggregatorPublisher, BatchSubmitter, BatchResolver, AggregatorMetrics, ROOT_LOGGER],
      useFactory: (
        config: BatchAggregatorConfig,
        adapters: ProviderAdapters,
        ledger: LedgerRepositories,
        publisher: AggregatorPublisher,
        submitter: BatchSubmitter,
        resolver: BatchResolver,
        metrics: AggregatorMetrics,
        logger: Logger,
      ) =>
        new BatchTracker(
          {
            adapters,
            batches: ledger.batches,
            publisher,
            submitter,
            resolver,
            metrics,
            sleep: abortableSleep,
            clock,
            logger: logger.child({ component: 'tracker' }),
          },
          {
            poll: { baseDelayMs: config.BATCH_POLL_MIN_MS, maxDelayMs: Math.max(config.BATCH_POLL_MIN_MS, config.BATCH_POLL_MAX_MS) },
            progressIntervalMs: config.BATCH_PROGRESS_INTERVAL_MS,
            concurrency: config.BATCH_POLL_CONCURRENCY,
          },
        ),
    },
    {
      provide: DeadlineGuard,
      inject: [BatchAggregatorConfig, LEDGER, Escalator, ROUTING_POLICY, ROOT_LOGGER],
      useFactory: (config: BatchAggregatorConfig, ledger: LedgerRepositories, escalator: Escalator, policy: RoutingPolicy, logger: Logger) =>
        new DeadlineGuard(
          { batches: ledger.batches, escalator, clock, logger: logger.child({ component: 'deadline-guard' }) },
          { leadMs: policy.turnaround.escalationLeadMs, intervalMs: config.BATCH_GUARD_INTERVAL_MS },
        ),
    },
    {
      provide: WindowFlusher,
      inject: [BatchAggregatorConfig, LEDGER, AggregatorPublisher, BatchSubmitter, BatchTracker, AggregatorMetrics, ROOT_LOGGER],
      useFactory: (
        config: BatchAggregatorConfig,
        ledger: LedgerRepositories,
        publisher: AggregatorPublisher,
        submitter: BatchSubmitter,
        tracker: BatchTracker,
        metrics: AggregatorMetrics,
        logger: Logger,
      ) =>
        new WindowFlusher({
          batches: ledger.batches,
          windows: ledger.batchWindows,
          requests: ledger.requests,
          publisher,
          submitter,
          tracker,
          metrics,
          sleep: abortableSleep,
          clock,
          logger: logger.child({ component: 'flusher' }),
          retry: { baseDelayMs: config.BATCH_POLL_MIN_MS, maxDelayMs: config.BATCH_POLL_MAX_MS },
        }),
    },
    {
      provide: BatchIntake,
      inject: [BatchAggregatorConfig, ADAPTERS, LEDGER, WindowFlusher, Escalator, AggregatorMetrics, LearnedTurnarounds, ROUTING_POLICY, ROOT_LOGGER],
      useFactory: (
        config: BatchAggregatorConfig,
        adapters: ProviderAdapters,
        ledger: LedgerRepositories,
        flusher: WindowFlusher,
        escalator: Escalator,
        metrics: AggregatorMetrics,
        turnarounds: LearnedTurnarounds,
        policy: RoutingPolicy,
        logger: Logger,
      ) =>
        new BatchIntake(
          { adapters, windows: ledger.batchWindows, flusher, escalator, metrics, clock, logger: logger.child({ component: 'intake' }) },
          {
            limitsFor: (key: WindowKey): WindowLimits => {
              const limits = adapters.batch(key.provider).limits();
              return {
                maxRequests: Math.min(limits.maxRequests, config.BATCH_WINDOW_MAX_REQUESTS),
                maxBytes: limits.maxBytes,
                maxInputs: key.operation === 'embedding' ? limits.maxEmbeddingInputs : null,
                maxAgeMs: config.BATCH_WINDOW_MAX_AGE_MS,
                completionEstimateMs: planFor(turnarounds, key.provider, key.model).windowCloseMs,
              };
            },
            escalationLeadMs: policy.turnaround.escalationLeadMs,
            newWindowId: (nowMs: number) => newBatchId(new Date(nowMs)),
            maxWaiting: config.BATCH_WINDOWS_MAX_WAITING,
          },
        ),
    },
    BatchLaneConsumer,
  ],
})
export class BatchAggregatorModule {}
