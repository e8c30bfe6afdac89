import { Consumer, IHeaders, Kafka, logLevel } from 'kafkajs';
import { positionAtEnd } from '../../test/e2e/support/consumer.groups';
import { kafkaJsSecurityFromEnv } from '../../scripts/stack/kafka/kafka.security';

export interface KeyedMessage {
  topic: string;
  partition: number;
  key: string;
  value: Buffer | null;
  headers: IHeaders | undefined;
  /** The message's Kafka timestamp (set by its producer), ms since the epoch. */
  timestampMs: number;
  /** When this process read it. */
  readAt: number;
  /** Its `x-correlation-id`, when it was read for that (byCorrelation) rather than its key. */
  correlationId?: string;
}

export interface KeyedReaderOptions {
  groupId: string;
  topics: readonly string[];
  /** Start at the topics' current end (Sluice's shared topics) rather than their beginning (a topic of the run's own). */
  fromEnd: boolean;
  /** Only messages whose key starts with this reach `onMessage`: the run's own, found without reading the value. */
  keyPrefix: string;
  /** Also messages whose `x-correlation-id` starts with keyPrefix: a request rejected under an id Sluice derived keeps the one it was sent with there. */
  byCorrelation?: boolean;
  onMessage: (message: KeyedMessage) => void;
  partitionsConcurrently?: number;
}

/**
 * A reader for high volumes: a fetched batch at a time, filtered by key (every Sluice message is keyed
 * by its request id), so the values of other runs' messages are never decoded. Offsets are committed
 * per batch; a repeat after a lost group membership is recognised by its position and skipped, so
 * what the reader counts twice is what the topic holds twice.
 */
export class KeyedReader {
  private consumer?: Consumer;
  private stopped = false;
  /** Where each partition was last read, across restarts: what was counted is never counted again. */
  private readonly seen = new Map<string, number>();
  /** Times the consumer died for good (kafkajs gives up after a long broker outage) and was started again. */
  restarts = 0;

  private constructor(
    private readonly kafka: Kafka,
    private readonly options: KeyedReaderOptions,
  ) {}

  static async open(kafka: Kafka, options: KeyedReaderOptions): Promise<KeyedReader> {
    if (options.fromEnd) await positionAtEnd(kafka, [options.groupId], options.topics);
    const reader = new KeyedReader(kafka, options);
    await reader.start();
    return reader;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.consumer?.disconnect();
  }

  private async start(): Promise<void> {
    const { options, seen } = this;
    const consumer = this.kafka.consumer({
      groupId: options.groupId,
      // A reader started again after a crash rejoins its group as a new member: the group waits for the
      // old member's session to end first, so a short one keeps that out of what the benchmark measures.
      sessionTimeout: 6_000,
      heartbeatInterval: 1_000,
      maxWaitTimeInMs: 100,
      // Tried again at most a second apart: after a broker outage the reader is back within a second of
      // the broker, so the time a benchmark measures to the first answer is Sluice's, not the reader's
      // backoff (kafkajs' default grows to 30 s).
      retry: { initialRetryTime: 100, maxRetryTime: 1_000, retries: 30 },
    });
    this.consumer = consumer;
    // A consumer that crashed without restarting itself would stop counting in silence: the run would
    // read as messages lost. It is started again, in the same group, from its committed offsets.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopped) return;
      this.restarts += 1;
      void consumer
        .disconnect()
        .catch(() => undefined)
        .then(() => this.startUntilItJoins());
    });
    await consumer.connect();
    // Producing before the reader holds its partitions would count its group join as the system's time.
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: options.partitionsConcurrently ?? 12,
      eachBatch: async ({ batch }) => {
        const position = `${batch.topic}:${batch.partition}`;
        const after = seen.get(position) ?? -1;
        const readAt = Date.now();
        for (const message of batch.messages) {
          const offset = Number(message.offset);
          if (offset <= after) continue;
          const key = message.key?.toString('utf8');
          if (key === undefined) continue;
          const correlationId = key.startsWith(options.keyPrefix) || !options.byCorrelation ? undefined : message.headers?.['x-correlation-id']?.toString();
          if (!key.startsWith(options.keyPrefix) && !correlationId?.startsWith(options.keyPrefix)) continue;
          options.onMessage({
            ...(correlationId !== undefined && { correlationId }),
            topic: batch.topic,
            partition: batch.partition,
            key,
            value: message.value,
            headers: message.headers,
            timestampMs: Number(message.timestamp),
            readAt,
          });
        }
        const last = batch.messages.at(-1);
        if (last !== undefined) seen.set(position, Math.max(after, Number(last.offset)));
      },
    });
    await joined;
  }

  /** Starts the consumer again, every second while the broker is still away. */
  private async startUntilItJoins(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.start();
        return;
      } catch {
        await this.consumer?.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 1_000));
      }
    }
  }
}

/**
 * A client for the benchmark's own readers and producers that logs nothing: kafkajs logs every
 * heartbeat answered "rebalancing" as an error, which would bury the progress display. Failures
 * still reach the benchmark as rejected calls or as counts that never complete.
 */
export function quietKafka(brokers: string, clientId: string): Kafka {
  return new Kafka({ clientId, brokers: brokers.split(','), logLevel: logLevel.NOTHING, ...kafkaJsSecurityFromEnv() });
}
