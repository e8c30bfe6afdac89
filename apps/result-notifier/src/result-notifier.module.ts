import { Module } from '@nestjs/common';
import { BrokerTopics, KafkaProducer } from '@sluice/kafka';
import { createRepositories, LedgerRepositories } from '@sluice/ledger';
import { MetricsRegistry, PG_POOL, ROOT_LOGGER } from '@sluice/observability';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { UnansweredCallsSweeper } from './calls/unanswered-calls.sweeper';
import { DlqDepthMonitor } from './dlq/dlq-depth.monitor';
import { DEVELOPMENT_WEBHOOK_SECRET, ResultNotifierConfig } from './result-notifier.config';
import { ReplyTopics } from './results/reply-topics';
import { ResultHandler } from './results/result.handler';
import { ResultMetrics } from './results/result.metrics';
import { ResultsConsumer } from './results/results.consumer';
import { WebhookDeliveryLifecycle } from './webhooks/webhook-delivery.lifecycle';
import { WebhookDeliveryLoop } from './webhooks/webhook-delivery.loop';
import { checkedSharedKey, LedgerWebhookKeys, WebhookKeys } from './webhooks/webhook.keys';
import { WebhookMetrics } from './webhooks/webhook.metrics';
import { webhookDestinationPolicy } from './webhooks/webhook-destination.policy';
import { webhookPoster } from './webhooks/webhook.sender';

const LEDGER = Symbol('result-notifier.ledger');
const WEBHOOK_KEYS = Symbol('result-notifier.webhook-keys');

/** The result-notifier's composition root; the shared service parts come from bootstrapService. */
@Module({
  controllers: [ResultsConsumer],
  providers: [
    { provide: LEDGER, inject: [PG_POOL], useFactory: (pool: Pool) => createRepositories(pool) },
    { provide: ResultMetrics, inject: [MetricsRegistry], useFactory: (registry: MetricsRegistry) => new ResultMetrics(registry) },
    { provide: WebhookMetrics, inject: [MetricsRegistry], useFactory: (registry: MetricsRegistry) => new WebhookMetrics(registry) },
    {
      provide: WEBHOOK_KEYS,
      inject: [ResultNotifierConfig, LEDGER, ROOT_LOGGER],
      useFactory: (config: ResultNotifierConfig, ledger: LedgerRepositories, logger: Logger): WebhookKeys => {
        const shared = checkedSharedKey(
          { env: config.SLUICE_ENV, secret: config.NOTIFIER_WEBHOOK_SECRET, developmentSecret: DEVELOPMENT_WEBHOOK_SECRET },
          (message) => logger.warn(message),
        );
        return new LedgerWebhookKeys(ledger.webhookSecrets, shared, config.NOTIFIER_WEBHOOK_SECRETS_REFRESH_MS);
      },
    },
    {
      provide: WebhookDeliveryLoop,
      inject: [ResultNotifierConfig, LEDGER, WEBHOOK_KEYS, WebhookMetrics, ROOT_LOGGER],
      useFactory: (config: ResultNotifierConfig, ledger: LedgerRepositories, keys: WebhookKeys, metrics: WebhookMetrics, logger: Logger) =>
        new WebhookDeliveryLoop(
          {
            policy: {
              maxAttempts: config.NOTIFIER_WEBHOOK_MAX_ATTEMPTS,
              baseDelayMs: config.NOTIFIER_WEBHOOK_BASE_DELAY_MS,
              maxDelayMs: config.NOTIFIER_WEBHOOK_MAX_DELAY_MS,
            },
            concurrency: config.NOTIFIER_WEBHOOK_CONCURRENCY,
            concurrencyPerTenant: Math.min(config.NOTIFIER_WEBHOOK_CONCURRENCY_PER_TENANT, config.NOTIFIER_WEBHOOK_CONCURRENCY),
            pollMs: config.NOTIFIER_WEBHOOK_POLL_MS,
            timeoutMs: config.NOTIFIER_WEBHOOK_TIMEOUT_MS,
          },
          {
            deliveries: ledger.webhookDeliveries,
            keys,
            post: webhookPoster(webhookDestinationPolicy(config.WEBHOOK_ALLOWED_DESTINATIONS ?? [])),
            metrics,
            logger: logger.child({ component: 'webhooks' }),
          },
        ),
    },
    WebhookDeliveryLifecycle,
    DlqDepthMonitor,
    UnansweredCallsSweeper,
    BrokerTopics,
    { provide: ReplyTopics, inject: [BrokerTopics], useFactory: (broker: BrokerTopics) => new ReplyTopics(() => broker.list()) },
    {
      provide: ResultHandler,
      inject: [ResultNotifierConfig, LEDGER, KafkaProducer, ReplyTopics, WebhookDeliveryLoop, ResultMetrics],
      useFactory: (
        config: ResultNotifierConfig,
        ledger: LedgerRepositories,
        producer: KafkaProducer,
        replyTopics: ReplyTopics,
        webhooks: WebhookDeliveryLoop,
        metrics: ResultMetrics,
      ) =>
        new ResultHandler(
          {
            requests: ledger.requests,
            completions: ledger.completions,
            cache: ledger.cache,
            coalescing: ledger.coalescing,
            webhookDeliveries: ledger.webhookDeliveries,
            producer,
            replyTopics,
            webhooks,
            metrics,
          },
          { cacheTtlMs: config.NOTIFIER_CACHE_TTL_MS },
        ),
    },
  ],
})
export class ResultNotifierModule {}
