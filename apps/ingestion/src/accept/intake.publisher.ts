import { Inject, Injectable } from '@nestjs/common';
import { KafkaProducer, ProducerBatch, ProducerMessage } from '@sluice/kafka';
import { REQUEST_TRACER, type RequestTracer, type TracedRequest } from '@sluice/observability';
import type { IntakePublisher, OutboundMessage } from './accept.ports';

/**
 * IntakePublisher over the service's KafkaProducer: one awaited produce request for all topics. Each
 * request's trace starts here (or continues the traceparent its caller sent): the messages about it
 * carry its intake span as their traceparent.
 */
@Injectable()
export class KafkaIntakePublisher implements IntakePublisher {
  constructor(
    private readonly producer: KafkaProducer,
    @Inject(REQUEST_TRACER) private readonly tracer: RequestTracer,
  ) {}

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    // One span per request, however many messages are about it (its accepted message and event).
    const spanOf = new Map<string, number>();
    const requests: TracedRequest[] = [];
    for (const { key, trace } of messages) {
      if (spanOf.has(key)) continue;
      spanOf.set(key, requests.length);
      requests.push({ traceparent: trace.traceparent, attributes: { 'sluice.request_id': key } });
    }
    const spans = this.tracer.batch('ingestion accept', requests);
    const byTopic = new Map<string, ProducerMessage[]>();
    for (const { topic, key, value, trace } of messages) {
      const batch = byTopic.get(topic) ?? [];
      batch.push({ key, value, requestId: key, correlationId: trace.correlationId, traceparent: spans.requests[spanOf.get(key)!]!.traceparent });
      byTopic.set(topic, batch);
    }
    const batches: ProducerBatch[] = [...byTopic].map(([topic, batch]) => ({ topic, messages: batch }));
    try {
      await this.producer.sendBatch(batches);
    } catch (error) {
      for (const span of spans.requests) span.fail(error);
      throw error;
    } finally {
      spans.endAll();
    }
  }
}
