import type { DriverRetrySettings, KafkaDriver, ProducerDriver } from '../port/driver.port';
import type { SendResult, TopicMessages, WireMessage } from '../port/message.types';
import { MessageSigner } from '../signing/message.signer';
import { encodeMessage, type ProducerMessage } from './producer.message';

export interface KafkaProducerOptions {
  retry?: DriverRetrySettings;
  /**
   * Sends waiting while a request is in flight are merged into the next one up to about this many
   * bytes of keys and values. Kafka refuses a partition's record batch above message.max.bytes
   * (1 MiB by default), so the default stays well under it whatever the partitioning.
   */
  maxRequestBytes?: number;
  /**
   * Signs every message sent (see MessageSigner), so Sluice's consumers can tell its services'
   * messages from anyone else's. Services pass the one made from SLUICE_INTERNAL_SIGNING_KEY; the
   * default signs with the development key, which a local stack and its tests share.
   */
  signer?: MessageSigner;
}

export interface ProducerBatch {
  topic: string;
  messages: readonly ProducerMessage[];
}

const DEFAULT_MAX_REQUEST_BYTES = 512 * 1024;

/** One caller's send, encoded, waiting for the request that carries it. */
interface Pending {
  batches: TopicMessages[];
  bytes: number;
  resolve(results: SendResult[]): void;
  reject(error: unknown): void;
}

function sizeOf(message: WireMessage): number {
  const length = (part: Buffer | string | null | undefined): number => (part === null || part === undefined ? 0 : part.length);
  return length(message.key) + length(message.value);
}

/** Several callers' batches as one request: messages of one topic stay in the order they were sent. */
function merge(pending: readonly Pending[]): TopicMessages[] {
  const byTopic = new Map<string, WireMessage[]>();
  for (const { batches } of pending) {
    for (const { topic, messages } of batches) {
      const list = byTopic.get(topic);
      if (list) list.push(...messages);
      else byTopic.set(topic, [...messages]);
    }
  }
  return [...byTopic].map(([topic, messages]) => ({ topic, messages }));
}

function resultsFor(pending: Pending, results: readonly SendResult[]): SendResult[] {
  const topics = new Set(pending.batches.map((batch) => batch.topic));
  return results.filter((result) => topics.has(result.topic));
}

/**
 * Awaited sends only: `send` resolves once every in-sync replica has the records (acks = all) and
 * rejects when they could not be written after the driver's retries. The producer is idempotent, so
 * the driver's retries never write a record twice.
 *
 * One produce request is in flight at a time; whatever callers send meanwhile goes out together in
 * the next one. A service that publishes as work completes (a result here, an event there) so costs
 * one round trip per burst instead of one per message, and the idempotent producer's sequence
 * numbers are never raced by concurrent requests. When a merged request fails, each caller's batch is
 * sent again on its own, so a message the broker refuses fails only its own caller.
 *
 * After any failed request the producer starts a new session (a new producer id) before it sends
 * again: kafkajs rolls a failed request's sequence numbers back for every partition in it, even
 * those the broker had written, and the broker would then take the next records for a duplicate and
 * drop them while acknowledging them (seen with a record over message.max.bytes beside a good one).
 */
export class KafkaProducer {
  private readonly driver: ProducerDriver;
  private readonly maxRequestBytes: number;
  private readonly signer: MessageSigner;
  private readonly queue: Pending[] = [];
  /** True from the first waiting send until the queue is empty again (cleared in the same tick it is seen empty). */
  private draining = false;
  private sending?: Promise<void>;
  private connecting?: Promise<void>;
  private disconnecting?: Promise<void>;
  private connected = false;

  constructor(kafka: KafkaDriver, options: KafkaProducerOptions = {}) {
    this.driver = kafka.producer({ retry: options.retry });
    this.maxRequestBytes = options.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
    this.signer = options.signer ?? new MessageSigner();
  }

  get isConnected(): boolean {
    return this.connected;
  }

  connect(): Promise<void> {
    if (this.disconnecting) return Promise.reject(new Error('KafkaProducer was disconnected'));
    this.connecting ??= this.driver.connect().then(
      () => {
        this.connected = true;
      },
      (error: unknown) => {
        this.connecting = undefined;
        throw error;
      },
    );
    return this.connecting;
  }

  /** Waits for the sends already made, then closes the connection; later sends are refused. */
  disconnect(): Promise<void> {
    this.disconnecting ??= (async () => {
      await this.sending;
      if (this.connecting) {
        await this.connecting.catch(() => undefined);
        this.connected = false;
        await this.driver.disconnect();
      }
    })();
    return this.disconnecting;
  }

  send(topic: string, messages: readonly ProducerMessage[]): Promise<SendResult[]> {
    return this.sendBatch([{ topic, messages }]);
  }

  /** One request for several topics, e.g. a result and its lifecycle event. */
  sendBatch(batches: readonly ProducerBatch[]): Promise<SendResult[]> {
    if (!this.connected || this.disconnecting) {
      return Promise.reject(new Error('KafkaProducer is not connected: call connect() first (and not after disconnect())'));
    }
    let encoded: TopicMessages[];
    try {
      encoded = batches
        .filter((batch) => batch.messages.length > 0)
        .map(({ topic, messages }) => ({ topic, messages: messages.map((message) => this.signer.sign(topic, encodeMessage(message))) }));
    } catch (error) {
      return Promise.reject(error);
    }
    if (encoded.length === 0) return Promise.resolve([]);
    const bytes = encoded.reduce((total, batch) => total + batch.messages.reduce((sum, message) => sum + sizeOf(message), 0), 0);
    return new Promise<SendResult[]>((resolve, reject) => {
      this.queue.push({ batches: encoded, bytes, resolve, reject });
      if (!this.draining) {
        this.draining = true;
        this.sending = this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const taken = this.takeRequest();
      try {
        const results = await this.driver.sendBatch(merge(taken));
        for (const pending of taken) pending.resolve(resultsFor(pending, results));
      } catch (error) {
        await this.renew();
        if (taken.length === 1) taken[0]!.reject(error);
        else for (const pending of taken) await this.sendAlone(pending);
      }
    }
    this.draining = false;
  }

  /** The oldest waiting sends, as many as fit one request (the first always goes, however large). */
  private takeRequest(): Pending[] {
    const taken = [this.queue.shift()!];
    let bytes = taken[0]!.bytes;
    while (this.queue.length > 0 && bytes + this.queue[0]!.bytes <= this.maxRequestBytes) {
      const next = this.queue.shift()!;
      bytes += next.bytes;
      taken.push(next);
    }
    return taken;
  }

  private async sendAlone(pending: Pending): Promise<void> {
    try {
      pending.resolve(resultsFor(pending, await this.driver.sendBatch(pending.batches)));
    } catch (error) {
      await this.renew();
      pending.reject(error);
    }
  }

  private async renew(): Promise<void> {
    try {
      await this.driver.renew();
    } catch {
      // The next send reconnects (or fails and tells its caller); nothing is lost by carrying on.
    }
  }
}
