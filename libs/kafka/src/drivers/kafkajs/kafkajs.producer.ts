import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { ProducerDriver, ProducerDriverConfig } from '../../port/driver.port';
import type { SendResult, TopicMessages, WireMessage } from '../../port/message.types';
import { fromRecordMetadata, toKafkaJsMessage } from './kafkajs.message';
import { toKafkaJsRetry } from './kafkajs.retry';

/** Every produce waits for all in-sync replicas: a send that resolved is a record that survives a broker loss. */
const ACKS_ALL = -1;

export class KafkaJsProducerDriver implements ProducerDriver {
  private readonly producer: Producer;

  constructor(kafka: Kafka, config: ProducerDriverConfig = {}) {
    this.producer = kafka.producer({
      // kafkajs marks its idempotent producer experimental; retries stay on, so a retried
      // produce may duplicate a record, which at-least-once consumers tolerate anyway.
      idempotent: false,
      allowAutoTopicCreation: false,
      // The Java-compatible murmur2 partitioner, named explicitly so keys land where other clients put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      retry: toKafkaJsRetry(config.retry),
    });
  }

  connect(): Promise<void> {
    return this.producer.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(topic: string, messages: readonly WireMessage[]): Promise<SendResult[]> {
    const metadata = await this.producer.send({ topic, acks: ACKS_ALL, messages: messages.map(toKafkaJsMessage) });
    return fromRecordMetadata(metadata);
  }

  async sendBatch(topicMessages: readonly TopicMessages[]): Promise<SendResult[]> {
    const metadata = await this.producer.sendBatch({
      acks: ACKS_ALL,
      topicMessages: topicMessages.map(({ topic, messages }) => ({ topic, messages: messages.map(toKafkaJsMessage) })),
    });
    return fromRecordMetadata(metadata);
  }
}
