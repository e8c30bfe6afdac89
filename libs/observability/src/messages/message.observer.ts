import { Injectable } from '@nestjs/common';
import { CorrelationHeaders } from '@sluice/contracts';
import type { MessageContext, SluiceKafkaContext } from '@sluice/kafka';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { type MessageLogContext, MessageLogger } from '../logging/message.logger';
import { MetricsRegistry } from '../metrics/metrics.registry';

/** Whom a consumed message is about, as far as its handler knows. */
export interface MessageSubject {
  requestId?: string;
  tenant?: string;
}

/**
 * What every Kafka handler does first: count the message under one series shared by all services
 * (`sluice_messages_consumed_total{topic}`) and get a logger bound to the message's topic, partition,
 * offset, request and tenant.
 */
@Injectable()
export class MessageObserver {
  private readonly consumedTotal: Counter<'topic'>;

  constructor(
    private readonly logger: MessageLogger,
    metrics: MetricsRegistry,
  ) {
    this.consumedTotal = metrics.counter({
      name: 'sluice_messages_consumed_total',
      help: 'Valid messages handed to a handler, by topic.',
      labelNames: ['topic'],
    });
  }

  /** The request id falls back to the message's `x-request-id` header when the payload has none yet. */
  received(context: SluiceKafkaContext, subject: MessageSubject): Logger {
    this.consumedTotal.inc({ topic: context.getTopic() });
    return this.loggerFor(context, subject);
  }

  /**
   * A batch handler counts its messages at once, and binds a logger (`loggerFor`) only to those worth
   * a line: a logger per message costs about as much as taking the message in.
   */
  receivedBatch(topic: string, count: number): void {
    if (count > 0) this.consumedTotal.inc({ topic }, count);
  }

  /** A logger bound to one message, without counting it (see receivedBatch). */
  loggerFor(context: SluiceKafkaContext, subject: MessageSubject): Logger {
    const topic = context.getTopic();
    return this.logger.forMessage({
      topic,
      partition: context.getPartition(),
      offset: context.getOffset(),
      requestId: subject.requestId ?? context.getHeaders()[CorrelationHeaders.RequestId],
      tenant: subject.tenant,
    });
  }

  /** A logger for one message of a batch, from what the batch handler knows of it. */
  forMessage(context: MessageLogContext): Logger {
    return this.logger.forMessage(context);
  }

  /**
   * `received` for the messages of a batch: counted at once, and each message's logger bound only
   * when first asked for, since most messages of a batch never log a line.
   */
  receivedEach(messages: ReadonlyArray<{ context: MessageContext; subject: MessageSubject }>): Array<() => Logger> {
    const perTopic = new Map<string, number>();
    for (const { context } of messages) perTopic.set(context.topic, (perTopic.get(context.topic) ?? 0) + 1);
    for (const [topic, count] of perTopic) this.consumedTotal.inc({ topic }, count);
    return messages.map(({ context, subject }) => {
      let bound: Logger | undefined;
      return () =>
        (bound ??= this.logger.forMessage({
          topic: context.topic,
          partition: context.partition,
          offset: context.offset,
          requestId: subject.requestId ?? context.headers[CorrelationHeaders.RequestId],
          tenant: subject.tenant,
        }));
    });
  }
}
