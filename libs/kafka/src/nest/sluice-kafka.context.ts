import { BaseRpcContext } from '@nestjs/microservices';
import type { MessageContext } from '../consumer/consumer.types';
import type { MessageHeaders } from '../port/message.types';

/** The `@Ctx()` of a handler served by SluiceKafkaTransport. */
export class SluiceKafkaContext extends BaseRpcContext<[MessageContext]> {
  constructor(message: MessageContext) {
    super([message]);
  }

  get message(): MessageContext {
    return this.args[0];
  }

  getTopic(): string {
    return this.message.topic;
  }

  getPartition(): number {
    return this.message.partition;
  }

  getOffset(): string {
    return this.message.offset;
  }

  getKey(): string | null {
    return this.message.key;
  }

  getHeaders(): MessageHeaders {
    return this.message.headers;
  }

  getTimestamp(): string {
    return this.message.timestamp;
  }

  /** 1 on the first try, then counting retries. */
  getAttempt(): number {
    return this.message.attempt;
  }

  /** Aborted when the consumer stops waiting for this handler (shutdown deadline, crash). */
  getSignal(): AbortSignal {
    return this.message.signal;
  }

  heartbeat(): Promise<void> {
    return this.message.heartbeat();
  }
}

/**
 * The `@Ctx()` of a batch handler (`@EventPattern(topic, { batch: true })`): the partition the
 * messages came from. Each message carries its own context in the handler's payload.
 */
export class SluiceKafkaBatchContext extends BaseRpcContext<[ReadonlyArray<MessageContext>]> {
  constructor(messages: ReadonlyArray<MessageContext>) {
    super([messages]);
  }

  get messages(): ReadonlyArray<MessageContext> {
    return this.args[0];
  }

  getTopic(): string {
    return this.messages[0]?.topic ?? '';
  }

  getPartition(): number {
    return this.messages[0]?.partition ?? -1;
  }

  /** Aborted when the consumer stops waiting for this handler (shutdown deadline, crash). */
  getSignal(): AbortSignal | undefined {
    return this.messages[0]?.signal;
  }
}
