import type { MessageToProduce, Producer, ProduceResult } from '@platformatic/kafka';

type Outgoing = MessageToProduce<Buffer, Buffer, string, string>;

const utf8 = (text?: string): Buffer | undefined => (text === undefined ? undefined : Buffer.from(text, 'utf8'));
import type { ProducerDriver, ProducerDriverConfig } from '../../port/driver.port';
import type { SendResult, TopicMessages, WireMessage } from '../../port/message.types';
import { diagnoseConnectFailure } from './client-certificate.probe';
import { asBrokerFailure } from './platformatic.errors';
import { pk } from './platformatic.module';
import { toRetryOptions, type PlatformaticBaseOptions } from './platformatic.options';

/** kafkajs' defaults for a producer's retries, so both drivers give a send up after about a minute. */
const DEFAULT_PRODUCER_RETRY = { retries: 5, retryDelay: 300 };
const MIN_IDEMPOTENT_RETRIES = 2;

const toBuffer = (value: Buffer | string): Buffer => (typeof value === 'string' ? Buffer.from(value) : value);

/**
 * Keyed records go where the Java client and kafkajs put them (murmur2 of the key, positive); the
 * library's own default differs (an unsigned murmur2), which would split one key's records across
 * partitions between services on different drivers. Records without a key go round robin.
 */
function partitionerOf(): (message: Outgoing, key: Buffer | undefined) => number {
  let next = 0;
  return (message, key) => (key === undefined ? next++ : pk.compatibilityPartitioner(message, key));
}

function toMessage(topic: string, message: WireMessage): Outgoing {
  return {
    topic,
    key: message.key == null ? undefined : toBuffer(message.key),
    value: message.value == null ? undefined : toBuffer(message.value),
    // A plain object, encoded by the header serialisers: the library takes a Map only from its own realm.
    headers: message.headers,
    partition: message.partition,
  };
}

function fromProduceResult(result: ProduceResult): SendResult[] {
  return (result.offsets ?? []).map(({ topic, partition, offset }) => ({ topic, partition, baseOffset: offset.toString() }));
}

export class PlatformaticProducerDriver implements ProducerDriver {
  private producer: Producer<Buffer, Buffer, string, string>;
  /**
   * One send at a time: the library numbers an idempotent producer's records per partition when it
   * encodes a request, but advances the numbers only when the response comes, so two requests in
   * flight to one partition would carry the same sequence numbers and the broker would take the
   * second for a retry of the first (dropping it) or refuse it. kafkajs serialises the same way.
   */
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly base: PlatformaticBaseOptions,
    private readonly config: ProducerDriverConfig = {},
  ) {
    this.producer = this.create();
  }

  private create(): Producer<Buffer, Buffer, string, string> {
    const retry = this.config.retry ? toRetryOptions(this.config.retry) : DEFAULT_PRODUCER_RETRY;
    return new pk.Producer<Buffer, Buffer, string, string>({
      ...this.base,
      ...retry,
      // The library makes an idempotent producer retry forever when told 0 or 1 retries: at least 2 keeps it bounded.
      retries: Math.max(MIN_IDEMPOTENT_RETRIES, retry.retries ?? DEFAULT_PRODUCER_RETRY.retries),
      serializers: { headerKey: utf8, headerValue: utf8 },
      // Retries of a produce request reuse its sequence numbers, so the broker writes each record once.
      idempotent: true,
      acks: pk.ProduceAcks.ALL,
      partitioner: partitionerOf(),
    });
  }

  async connect(): Promise<void> {
    // The library connects on first use; asking for metadata makes an unreachable broker fail here.
    await this.producer.metadata({ topics: [] }).catch(async (error: unknown) => {
      throw await diagnoseConnectFailure(error, this.base);
    });
  }

  async renew(): Promise<void> {
    const old = this.producer;
    this.producer = this.create();
    await old.close().catch(() => undefined);
    await this.connect();
  }

  disconnect(): Promise<void> {
    return this.producer.close();
  }

  send(topic: string, messages: readonly WireMessage[]): Promise<SendResult[]> {
    return this.produce(messages.map((message) => toMessage(topic, message)));
  }

  sendBatch(topicMessages: readonly TopicMessages[]): Promise<SendResult[]> {
    return this.produce(topicMessages.flatMap(({ topic, messages }) => messages.map((message) => toMessage(topic, message))));
  }

  private produce(messages: Outgoing[]): Promise<SendResult[]> {
    const sending = this.queue.then(async () => {
      const producer = this.producer;
      try {
        return fromProduceResult(await producer.send({ messages }));
      } catch (error) {
        throw asBrokerFailure(error, this.base);
      }
    });
    this.queue = sending.catch(() => undefined);
    return sending;
  }
}
