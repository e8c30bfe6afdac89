import type { Counter } from 'prom-client';
import type { MetricsRegistry } from './metrics.registry';

/** Messages refused on Sluice's own topics for their signature, by topic and code: a forgery attempt or a service with the wrong key. */
export function unauthenticatedMessagesCounter(metrics: MetricsRegistry): Counter<'topic' | 'code'> {
  return metrics.counter<'topic' | 'code'>({
    name: 'sluice_unauthenticated_messages_total',
    help: "Messages refused on Sluice's own topics for a missing or wrong signature (never handled), by topic and code.",
    labelNames: ['topic', 'code'],
  });
}
