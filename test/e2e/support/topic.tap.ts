import { Consumer, Kafka } from 'kafkajs';
import { positionAtEnd } from './consumer.groups';

export interface TappedMessage {
  topic: string;
  partition: number;
  offset: string;
  key?: string;
  headers: Record<string, string>;
  /** The value as text (a DLQ value may not be JSON at all). */
  raw: string;
  /** The value parsed as JSON, or undefined when it is not JSON. */
  value: unknown;
  /** When this process read it (ms since the epoch). */
  readAt: number;
}

type Plain = Record<string, unknown>;

function parse(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

function field(value: unknown, ...path: string[]): unknown {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Plain)[key];
  }
  return current;
}

/** The tenant a Sluice message is about, whatever its shape (request, accepted, lane request, result, event, chunk). */
export function tenantOf(message: TappedMessage): string | undefined {
  const tenant = field(message.value, 'tenant') ?? field(message.value, 'request', 'tenant');
  return typeof tenant === 'string' ? tenant : undefined;
}

/** The request id a Sluice message is about; the key for values that are not JSON (DLQ). */
export function requestIdOf(message: TappedMessage): string | undefined {
  const id = field(message.value, 'requestId') ?? field(message.value, 'request', 'id') ?? field(message.value, 'id');
  return typeof id === 'string' ? id : message.key;
}

export interface TapOptions {
  groupId: string;
  topics: readonly string[];
  /** Start at each topic's current end (shared topics) rather than its beginning (a topic made for this test). */
  fromEnd: boolean;
  /** Called for every message as it is read (the benchmark timestamps results this way). */
  onMessage?: (message: TappedMessage) => void;
  /** Keep messages in `messages`; a benchmark that only needs onMessage turns it off. */
  keep?: boolean;
}

/**
 * Reads topics into memory so a test can wait for what it expects and then look at everything that
 * came, in arrival order. Shared topics carry every run's traffic: filter by tenant or request id.
 */
export class TopicTap {
  readonly messages: TappedMessage[] = [];

  private constructor(private readonly consumer: Consumer) {}

  static async open(kafka: Kafka, options: TapOptions): Promise<TopicTap> {
    if (options.fromEnd) await positionAtEnd(kafka, [options.groupId], options.topics);
    const consumer = kafka.consumer({ groupId: options.groupId, sessionTimeout: 6_000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    const tap = new TopicTap(consumer);
    // A tap that loses its group membership (a busy test process misses heartbeats) reads again from its
    // last commit: those repeats are the tap's own, not Sluice's, and must not count twice.
    const seen = new Set<string>();
    await consumer.connect();
    await consumer.subscribe({ topics: [...options.topics], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 8,
      eachMessage: async ({ topic, partition, message }) => {
        const position = `${topic}:${partition}:${message.offset}`;
        if (seen.has(position)) return;
        seen.add(position);
        const raw = message.value?.toString('utf8') ?? '';
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(message.headers ?? {})) {
          if (value !== undefined) headers[name] = Array.isArray(value) ? value.map(String).join(',') : value.toString();
        }
        const tapped: TappedMessage = {
          topic,
          partition,
          offset: message.offset,
          key: message.key?.toString('utf8'),
          headers,
          raw,
          value: parse(raw),
          readAt: Date.now(),
        };
        if (options.keep !== false) tap.messages.push(tapped);
        options.onMessage?.(tapped);
      },
    });
    return tap;
  }

  on(topic: string): TappedMessage[] {
    return this.messages.filter((message) => message.topic === topic);
  }

  forTenant(tenant: string, topic?: string): TappedMessage[] {
    return this.messages.filter((message) => tenantOf(message) === tenant && (topic === undefined || message.topic === topic));
  }

  forRequest(tenant: string, requestId: string, topic?: string): TappedMessage[] {
    return this.forTenant(tenant, topic).filter((message) => requestIdOf(message) === requestId);
  }

  /** Parsed values of one request's messages on one topic, in arrival order. */
  values<T = Plain>(tenant: string, requestId: string, topic: string): T[] {
    return this.forRequest(tenant, requestId, topic).map((message) => message.value as T);
  }

  async stop(): Promise<void> {
    await this.consumer.disconnect();
  }
}
