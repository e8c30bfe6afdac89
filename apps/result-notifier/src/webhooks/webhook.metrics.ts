import { MetricsRegistry } from '@sluice/observability';
import { Counter } from 'prom-client';
import { AttemptDecision } from './webhook.retry-policy';

export class WebhookMetrics {
  private readonly attempts: Counter<'outcome'>;

  constructor(registry: MetricsRegistry) {
    this.attempts = registry.counter({
      name: 'sluice_webhook_deliveries_total',
      help: 'Webhook attempts by outcome: delivered (2xx), retry (failed, tried again later) or dead (given up).',
      labelNames: ['outcome'],
    });
  }

  attempted(outcome: AttemptDecision['outcome']): void {
    this.attempts.inc({ outcome });
  }
}
