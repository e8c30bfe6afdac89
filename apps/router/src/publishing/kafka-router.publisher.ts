import type { KafkaProducer, ProducerBatch, ProducerMessage } from '@sluice/kafka';
import type { CorrelatedMessage, ReleasePublisher, RouterPublisher } from '../accepted/routing.ports';
import type { RouterTopics } from './router.topics';

/** Groups messages by topic, keeping their order within each, each with its request's headers, for one produce request. */
export function toProducerBatches(messages: readonly CorrelatedMessage[], topics: RouterTopics): ProducerBatch[] {
  const byTopic = new Map<string, ProducerMessage[]>();
  for (const { message, correlation } of messages) {
    const topic = topics[message.to];
    const list = byTopic.get(topic) ?? [];
    list.push({ key: message.key, value: message.value, ...correlation });
    byTopic.set(topic, list);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}

/**
 * One awaited sendBatch per routed batch: every lane request, result and event of it reach the
 * broker in one request, and the handler returns, so the offsets are committed, only once all are
 * written. Released lane messages go one sendBatch each, concurrently: one the broker refuses (too
 * large for the topic, say) fails alone.
 */
export class KafkaRouterPublisher implements RouterPublisher, ReleasePublisher {
  constructor(
    private readonly producer: Pick<KafkaProducer, 'sendBatch'>,
    private readonly topics: RouterTopics,
  ) {}

  async publish(messages: readonly CorrelatedMessage[]): Promise<void> {
    await this.producer.sendBatch(toProducerBatches(messages, this.topics));
  }

  publishEach(messages: readonly CorrelatedMessage[]): Promise<Array<PromiseSettledResult<void>>> {
    return Promise.allSettled(messages.map((message) => this.publish([message])));
  }
}
