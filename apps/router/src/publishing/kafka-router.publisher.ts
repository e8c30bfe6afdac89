import type { KafkaProducer, ProducerBatch, ProducerMessage } from '@sluice/kafka';
import type { CorrelatedMessage, Correlation, OutboundMessage, ReleasePublisher, RouterPublisher } from '../accepted/routing.ports';
import type { RouterTopics } from './router.topics';

/** Groups one step's messages by topic, keeping their order within each, for one produce request. */
export function toProducerBatches(messages: readonly OutboundMessage[], topics: RouterTopics, correlation: Correlation): ProducerBatch[] {
  const byTopic = new Map<string, ProducerMessage[]>();
  for (const { to, key, value } of messages) {
    const topic = topics[to];
    const list = byTopic.get(topic) ?? [];
    list.push({ key, value, ...correlation });
    byTopic.set(topic, list);
  }
  return [...byTopic].map(([topic, list]) => ({ topic, messages: list }));
}

/**
 * One awaited sendBatch per routing step: the lane request and its `routed` event (or a result and
 * its event) reach the broker in one request, and the handler returns, so the offset is committed,
 * only once both are written. Released lane messages go one sendBatch each, concurrently: one the
 * broker refuses (too large for the topic, say) fails alone.
 */
export class KafkaRouterPublisher implements RouterPublisher, ReleasePublisher {
  constructor(
    private readonly producer: Pick<KafkaProducer, 'sendBatch'>,
    private readonly topics: RouterTopics,
  ) {}

  async publish(messages: readonly OutboundMessage[], correlation: Correlation): Promise<void> {
    await this.producer.sendBatch(toProducerBatches(messages, this.topics, correlation));
  }

  publishEach(messages: readonly CorrelatedMessage[]): Promise<Array<PromiseSettledResult<void>>> {
    return Promise.allSettled(messages.map(({ message, correlation }) => this.publish([message], correlation)));
  }
}
