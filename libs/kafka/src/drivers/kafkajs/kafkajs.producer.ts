import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import type { ProducerDriver, ProducerDriverConfig } from '../../port/driver.port';
import type { SendResult, TopicMessages, WireMessage } from '../../port/message.types';
import { asBrokerFailure, asSecurityFailure } from './kafkajs.errors';
import { fromRecordMetadata, toKafkaJsMessage } from './kafkajs.message';
import { toKafkaJsRetry } from './kafkajs.retry';

/** Every produce waits for all in-sync replicas: a send that resolved is a record that survives a broker loss. */
const ACKS_ALL = -1;

/** kafkajs' own defaults for a producer that is not idempotent: about a minute of retries. */
const DEFAULT_PRODUCER_RETRY = { retries: 5, initialRetryTime: 300, maxRetryTime: 30_000 };

export class KafkaJsProducerDriver implements ProducerDriver {
  private producer: Producer;

  constructor(
    private readonly kafka: Kafka,
    private readonly config: ProducerDriverConfig = {},
    /** Named when a broker turns the client away (see asSecurityFailure). */
    private readonly bootstrap: readonly string[] = [],
  ) {
    this.producer = this.create();
  }

  private create(): Producer {
    return this.kafka.producer({
      // Retries of a produce request reuse its sequence numbers, so the broker writes each record once.
      // kafkajs serialises the requests of an idempotent producer per broker (one in flight).
      idempotent: true,
      allowAutoTopicCreation: false,
      // The Java-compatible murmur2 partitioner, named explicitly so keys land where other clients put them.
      createPartitioner: Partitioners.DefaultPartitioner,
      // kafkajs retries an idempotent producer's requests forever unless told otherwise: a send to a
      // topic that never appears would hold up every send behind it. Bounded, the caller hears of it.
      retry: toKafkaJsRetry(this.config.retry) ?? DEFAULT_PRODUCER_RETRY,
    });
  }

  connect(): Promise<void> {
    return this.producer.connect().catch((error: unknown) => {
      throw asSecurityFailure(error, this.bootstrap);
    });
  }

  async renew(): Promise<void> {
    const old = this.producer;
    this.producer = this.create();
    await old.disconnect().catch(() => undefined);
    await this.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.disconnect();
  }

  async send(topic: string, messages: readonly WireMessage[]): Promise<SendResult[]> {
    const metadata = await this.producer.send({ topic, acks: ACKS_ALL, messages: messages.map(toKafkaJsMessage) }).catch((error: unknown) => {
      throw asBrokerFailure(error);
    });
    return fromRecordMetadata(metadata);
  }

  async sendBatch(topicMessages: readonly TopicMessages[]): Promise<SendResult[]> {
    const metadata = await this.producer
      .sendBatch({
        acks: ACKS_ALL,
        topicMessages: topicMessages.map(({ topic, messages }) => ({ topic, messages: messages.map(toKafkaJsMessage) })),
      })
      .catch((error: unknown) => {
        throw asBrokerFailure(error);
      });
    return fromRecordMetadata(metadata);
  }
}
