import { Injectable } from '@nestjs/common';
import { KafkaProducer, ProducerBatch, ProducerMessage } from '@sluice/kafka';
import type { IntakePublisher, OutboundMessage } from './accept.ports';

/** IntakePublisher over the service's KafkaProducer: one awaited produce request for all topics. */
@Injectable()
export class KafkaIntakePublisher implements IntakePublisher {
  constructor(private readonly producer: KafkaProducer) {}

  async publish(messages: readonly OutboundMessage[]): Promise<void> {
    const byTopic = new Map<string, ProducerMessage[]>();
    for (const { topic, key, value, trace } of messages) {
      const batch = byTopic.get(topic) ?? [];
      batch.push({ key, value, requestId: key, correlationId: trace.correlationId, traceparent: trace.traceparent });
      byTopic.set(topic, batch);
    }
    const batches: ProducerBatch[] = [...byTopic].map(([topic, batch]) => ({ topic, messages: batch }));
    await this.producer.sendBatch(batches);
  }
}
