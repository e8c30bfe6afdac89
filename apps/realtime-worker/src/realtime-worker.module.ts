import { Module } from '@nestjs/common';
import { KafkaProducer } from '@sluice/kafka';
import { CompletionsRepository } from '@sluice/ledger';
import { abortableSleep, MetricsRegistry, PG_POOL, REQUEST_TRACER, ROOT_LOGGER, type RequestTracer } from '@sluice/observability';
import { createProviderAdapters, ProviderAdapters } from '@sluice/providers';
import { readFileSync } from 'node:fs';
import type { Pool } from 'pg';
import type { Logger } from 'pino';

import { ProviderCaller } from './calls/provider.caller';
import { AnsweredRequests } from './lanes/answered-requests.filter';
import { KafkaLaneOutput } from './lanes/lane-output.publisher';
import { LaneRequestHandler } from './lanes/lane-request.handler';
import { LanesConsumer } from './lanes/lanes.consumer';
import { DEFAULT_WORKER_TOPICS, WORKER_TOPICS, WorkerTopics } from './lanes/worker.topics';
import { ConcurrencyLimiter } from './limiter/concurrency.limiter';
import { WorkerMetrics } from './metrics/worker.metrics';
import { resolveReservedShare } from './policy/reserved-share';
import { DEFAULT_PROVIDER_RETRY_POLICY } from './retry/retry.planner';
import { RealtimeWorkerConfig } from './realtime-worker.config';
import { targetKey } from './targets/provider.target';
import { parseConcurrencyMap, parsedOrThrow, parseFallbackMap } from './targets/target.maps';

const PROVIDER_ADAPTERS = Symbol('sluice.realtime-worker.provider-adapters');

function readOptionalFile(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

/** The realtime-worker's composition root; the shared service parts come from bootstrapService. */
@Module({
  providers: [
    { provide: WORKER_TOPICS, useValue: DEFAULT_WORKER_TOPICS },
    {
      provide: WorkerMetrics,
      inject: [MetricsRegistry],
      useFactory: (metrics: MetricsRegistry) => new WorkerMetrics(metrics),
    },
    {
      provide: PROVIDER_ADAPTERS,
      inject: [RealtimeWorkerConfig],
      useFactory: (config: RealtimeWorkerConfig): ProviderAdapters =>
        createProviderAdapters({
          openai: { baseURL: config.OPENAI_BASE_URL, apiKey: config.OPENAI_API_KEY },
          anthropic: { baseURL: config.ANTHROPIC_BASE_URL, apiKey: config.ANTHROPIC_API_KEY },
        }),
    },
    {
      provide: ConcurrencyLimiter,
      inject: [RealtimeWorkerConfig, WorkerMetrics, ROOT_LOGGER],
      useFactory: (config: RealtimeWorkerConfig, metrics: WorkerMetrics, log: Logger) => {
        const overrides = parsedOrThrow('WORKER_MODEL_CONCURRENCY', parseConcurrencyMap(config.WORKER_MODEL_CONCURRENCY));
        const reserved = resolveReservedShare(config, readOptionalFile);
        log.info(
          { reservedRealtimeShare: reserved.share, source: reserved.source, maxConcurrency: config.WORKER_MAX_CONCURRENCY },
          'provider concurrency limits',
        );
        return new ConcurrencyLimiter(
          { capacity: (key) => overrides.get(key) ?? config.WORKER_MAX_CONCURRENCY, reservedRealtimeShare: reserved.share },
          (key, usage) => metrics.limiterUsage(key, usage),
        );
      },
    },
    {
      provide: ProviderCaller,
      inject: [RealtimeWorkerConfig, PROVIDER_ADAPTERS, ConcurrencyLimiter, WorkerMetrics],
      useFactory: (config: RealtimeWorkerConfig, adapters: ProviderAdapters, limiter: ConcurrencyLimiter, metrics: WorkerMetrics) =>
        new ProviderCaller({
          adapters,
          limiter,
          observer: metrics,
          sleep: abortableSleep,
          policy: {
            ...DEFAULT_PROVIDER_RETRY_POLICY,
            maxAttempts: config.WORKER_MAX_ATTEMPTS,
            baseDelayMs: config.WORKER_RETRY_BASE_DELAY_MS,
            maxDelayMs: Math.max(config.WORKER_RETRY_MAX_DELAY_MS, config.WORKER_RETRY_BASE_DELAY_MS),
          },
        }),
    },
    {
      provide: LaneRequestHandler,
      inject: [RealtimeWorkerConfig, ProviderCaller, KafkaProducer, WORKER_TOPICS, WorkerMetrics, ROOT_LOGGER, REQUEST_TRACER],
      useFactory: (
        config: RealtimeWorkerConfig,
        caller: ProviderCaller,
        producer: KafkaProducer,
        topics: WorkerTopics,
        metrics: WorkerMetrics,
        log: Logger,
        tracer: RequestTracer,
      ) => {
        const fallbacks = parsedOrThrow('WORKER_FALLBACKS', parseFallbackMap(config.WORKER_FALLBACKS));
        if (fallbacks.size > 0) {
          log.info({ fallbacks: Object.fromEntries([...fallbacks].map(([from, to]) => [from, targetKey(to)])) }, 'provider fallbacks');
        }
        return new LaneRequestHandler({
          caller,
          output: new KafkaLaneOutput(producer, topics),
          fallbacks,
          observer: metrics,
          maxResultBytes: config.WORKER_MAX_RESULT_BYTES,
          tracer,
        });
      },
    },
    {
      provide: AnsweredRequests,
      inject: [PG_POOL, KafkaProducer, WORKER_TOPICS, WorkerMetrics, ROOT_LOGGER],
      useFactory: (pool: Pool, producer: KafkaProducer, topics: WorkerTopics, metrics: WorkerMetrics, log: Logger) =>
        new AnsweredRequests({
          ledger: new CompletionsRepository(pool),
          output: new KafkaLaneOutput(producer, topics),
          observer: metrics,
          log: log.child({ component: 'answered-requests' }),
        }),
    },
    LanesConsumer,
  ],
})
export class RealtimeWorkerModule {}
