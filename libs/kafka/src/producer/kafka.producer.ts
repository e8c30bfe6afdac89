import type { DriverRetrySettings, KafkaDriver, ProducerDriver } from '../port/driver.port';
import type { SendResult } from '../port/message.types';
import { encodeMessage, type ProducerMessage } from './producer.message';

export interface KafkaProducerOptions {
  retry?: DriverRetrySettings;
}

export interface ProducerBatch {
  topic: string;
  messages: readonly ProducerMessage[];
}

/**
 * Awaited sends only: `send` resolves once every in-sync replica has the records (acks = all) and
 * rejects when they could not be written after the driver's retries. Nothing is buffered behind the
 * caller's back, so disconnect() only has to wait for the sends already in flight.
 */
export class KafkaProducer {
  private readonly driver: ProducerDriver;
  private readonly inFlight = new Set<Promise<unknown>>();
  private connecting?: Promise<void>;
  private disconnecting?: Promise<void>;
  private connected = false;

  constructor(kafka: KafkaDriver, options: KafkaProducerOptions = {}) {
    this.driver = kafka.producer({ retry: options.retry });
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

  /** Waits for the sends in flight, then closes the connection; later sends are refused. */
  disconnect(): Promise<void> {
    this.disconnecting ??= (async () => {
      await Promise.allSettled([...this.inFlight]);
      if (this.connecting) {
        await this.connecting.catch(() => undefined);
        this.connected = false;
        await this.driver.disconnect();
      }
    })();
    return this.disconnecting;
  }

  send(topic: string, messages: readonly ProducerMessage[]): Promise<SendResult[]> {
    return this.track(() => this.driver.send(topic, messages.map(encodeMessage)), messages.length);
  }

  /** One request for several topics, e.g. a result and its lifecycle event. */
  sendBatch(batches: readonly ProducerBatch[]): Promise<SendResult[]> {
    const count = batches.reduce((total, batch) => total + batch.messages.length, 0);
    return this.track(
      () =>
        this.driver.sendBatch(
          batches.map(({ topic, messages }) => ({ topic, messages: messages.map(encodeMessage) })),
        ),
      count,
    );
  }

  private async track(send: () => Promise<SendResult[]>, count: number): Promise<SendResult[]> {
    if (!this.connected || this.disconnecting) {
      throw new Error('KafkaProducer is not connected: call connect() first (and not after disconnect())');
    }
    if (count === 0) return [];
    const sending = send();
    this.inFlight.add(sending);
    try {
      return await sending;
    } finally {
      this.inFlight.delete(sending);
    }
  }
}
