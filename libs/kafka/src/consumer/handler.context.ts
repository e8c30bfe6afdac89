import type { BatchContext } from '../port/driver.port';
import type { ConsumedMessage, MessageHeaders } from '../port/message.types';
import type { MessageContext } from './consumer.types';

/**
 * The heartbeat of one fetched batch, for the contexts of its messages. It lets go of the batch once
 * the batch is done: a handler may keep contexts (of held messages, say) for long, and the batch
 * holds the whole fetch response its messages are slices of.
 */
export class BatchHeartbeat {
  constructor(private batch: BatchContext | undefined) {}

  beat(): Promise<void> {
    return this.batch ? this.batch.heartbeat() : Promise.resolve();
  }

  end(): void {
    this.batch = undefined;
  }
}

/**
 * The MessageContext a handler gets for one message and attempt. Built for every message of every
 * group, so it is a plain class with heartbeat as a method rather than a closure per message, and it
 * copies what it needs instead of keeping the message (whose key and value are fetch slices).
 */
export class HandlerContext implements MessageContext {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  readonly headers: MessageHeaders;
  readonly timestamp: string;
  readonly raw: Buffer | null;

  constructor(
    message: ConsumedMessage,
    readonly attempt: number,
    readonly signal: AbortSignal,
    private readonly beats: BatchHeartbeat,
  ) {
    this.topic = message.topic;
    this.partition = message.partition;
    this.offset = message.offset;
    this.key = message.key === null ? null : message.key.toString('utf8');
    this.headers = message.headers;
    this.timestamp = message.timestamp;
    this.raw = message.value;
  }

  heartbeat(): Promise<void> {
    return this.beats.beat();
  }
}
