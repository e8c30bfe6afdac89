import type {
  AdminDriver,
  BatchContext,
  ConsumerDriver,
  ConsumerRunConfig,
  CrashEvent,
  GroupJoinEvent,
  KafkaDriver,
  ProducerDriver,
} from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';
import type { ConsumedMessage, SendResult, TopicMessages, WireMessage } from '../port/message.types';

export const silentLogger: KafkaLogger = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

export interface FakeRecord {
  key?: string | Buffer | null;
  value: string | Buffer | object | null;
  headers?: Record<string, string>;
}

export interface FakeCommit {
  topic: string;
  partition: number;
  offset: string;
}

function toBuffer(value: FakeRecord['value'] | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  if (Buffer.isBuffer(value)) return value;
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value));
}

/**
 * A consumer driver without a broker, for unit specs of the runner: the spec hands fetched batches
 * to the runner with `deliver` and reads the commits, resolved offsets and pauses it made. One
 * group member owning every partition; `stop` waits for the batches being worked on, as kafkajs does.
 */
export class FakeConsumerDriver implements ConsumerDriver {
  readonly commits: FakeCommit[] = [];
  readonly resolved: FakeCommit[] = [];
  /** 'pause', 'resume' and 'seek <topic>/<partition>@<offset>', in order. */
  readonly fetchControl: string[] = [];
  /** Rejects the next commits with this error while set. */
  failCommits?: Error;
  /** When set, each commit waits for it before it is made: a slow coordinator. */
  commitGate?: () => Promise<void>;
  private config?: ConsumerRunConfig;
  private running = false;
  private readonly working = new Set<Promise<void>>();
  private readonly nextOffset = new Map<string, bigint>();
  private readonly joinListeners: Array<(event: GroupJoinEvent) => void> = [];
  private readonly crashListeners: Array<(event: CrashEvent) => void> = [];

  async connect(): Promise<void> {}
  async subscribe(): Promise<void> {}

  async run(config: ConsumerRunConfig): Promise<void> {
    this.config = config;
    this.running = true;
    for (const listener of this.joinListeners) listener({ memberId: 'fake-member', assignment: {} });
  }

  get partitionsConsumedConcurrently(): number | undefined {
    return this.config?.partitionsConsumedConcurrently;
  }

  /** Hands one fetched batch of a partition to the runner; resolves when its eachBatch returns. */
  deliver(topic: string, partition: number, records: readonly FakeRecord[]): Promise<void> {
    if (!this.config) throw new Error('FakeConsumerDriver: run() was not called');
    const key = `${topic}:${partition}`;
    let offset = this.nextOffset.get(key) ?? 0n;
    // Like a real client, keys and values are slices of one fetch response.
    const parts = records.map((record) => ({ key: toBuffer(record.key ?? null), value: toBuffer(record.value) }));
    const response = Buffer.alloc(parts.reduce((sum, part) => sum + (part.key?.length ?? 0) + (part.value?.length ?? 0), 0));
    let position = 0;
    const place = (part: Buffer | null): Buffer | null => {
      if (part === null) return null;
      part.copy(response, position);
      position += part.length;
      return response.subarray(position - part.length, position);
    };
    const messages: ConsumedMessage[] = records.map((record, index) => ({
      topic,
      partition,
      offset: String(offset++),
      key: place(parts[index]!.key),
      value: place(parts[index]!.value),
      headers: record.headers ?? {},
      timestamp: '0',
    }));
    this.nextOffset.set(key, offset);
    const batch: BatchContext = {
      topic,
      partition,
      messages,
      resolveOffset: (resolved) => void this.resolved.push({ topic, partition, offset: resolved }),
      commit: async (next) => {
        await (this.commitGate?.() ?? Promise.resolve());
        if (this.failCommits) throw this.failCommits;
        this.commits.push({ topic, partition, offset: next });
      },
      heartbeat: async () => undefined,
      isRunning: () => this.running,
      isStale: () => false,
    };
    const work = this.config.eachBatch(batch).finally(() => this.working.delete(work));
    this.working.add(work);
    return work;
  }

  /** The commits of one partition, in the order they were made. */
  committed(topic: string, partition: number): string[] {
    return this.commits.filter((commit) => commit.topic === topic && commit.partition === partition).map((commit) => commit.offset);
  }

  rejoin(): void {
    for (const listener of this.joinListeners) listener({ memberId: 'fake-member', assignment: {} });
  }

  async stop(): Promise<void> {
    this.running = false;
    await Promise.allSettled([...this.working]);
  }

  async disconnect(): Promise<void> {
    this.running = false;
  }

  pause(): void {
    this.fetchControl.push('pause');
  }

  resume(): void {
    this.fetchControl.push('resume');
  }

  seek(topic: string, partition: number, offset: string): void {
    this.fetchControl.push(`seek ${topic}/${partition}@${offset}`);
  }

  onGroupJoin(listener: (event: GroupJoinEvent) => void): void {
    this.joinListeners.push(listener);
  }

  onCrash(listener: (event: CrashEvent) => void): void {
    this.crashListeners.push(listener);
  }

  onFetch(): void {}
}

/** Records what is sent; `gate` (when set) is awaited before each send completes, and a send fails while it throws. */
export class FakeProducerDriver implements ProducerDriver {
  readonly sent: Array<{ topic: string; message: WireMessage }> = [];
  gate?: () => Promise<void>;

  async connect(): Promise<void> {}
  async disconnect(): Promise<void> {}
  async renew(): Promise<void> {}

  send(topic: string, messages: readonly WireMessage[]): Promise<SendResult[]> {
    return this.sendBatch([{ topic, messages }]);
  }

  async sendBatch(topicMessages: readonly TopicMessages[]): Promise<SendResult[]> {
    if (this.gate) await this.gate();
    for (const { topic, messages } of topicMessages) for (const message of messages) this.sent.push({ topic, message });
    return topicMessages.map(({ topic }) => ({ topic, partition: 0, baseOffset: '0' }));
  }
}

/** A KafkaDriver whose one consumer and one producer are the fakes above. */
export class FakeKafkaDriver implements KafkaDriver {
  readonly logger = silentLogger;
  readonly consumerDriver = new FakeConsumerDriver();
  readonly producerDriver = new FakeProducerDriver();

  consumer(): ConsumerDriver {
    return this.consumerDriver;
  }

  producer(): ProducerDriver {
    return this.producerDriver;
  }

  admin(): AdminDriver {
    throw new Error('FakeKafkaDriver has no admin');
  }
}
