import { Injectable } from '@nestjs/common';
import { CorrelationHeaders } from '@sluice/contracts';
import type { MessageContext } from '@sluice/kafka';
import type { Logger } from 'pino';
import { Counter } from 'prom-client';
import { MessageLogger } from '../logging/message.logger';
import { MetricsRegistry } from '../metrics/metrics.registry';

/** Whom a consumed message is about, as far as its handler knows. */
export interface MessageSubject {
  requestId?: string;
  tenant?: string;
}

/** Where a message was read; its headers name the request when the payload does not. */
export type MessagePlace = Pick<MessageContext, 'topic' | 'partition' | 'offset'> & Partial<Pick<MessageContext, 'headers'>>;

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
  received(context: MessagePlace, subject: MessageSubject): Logger {
    this.consumedTotal.inc({ topic: context.topic });
    return this.loggerFor(context, subject);
  }

  /**
   * A batch handler counts its messages at once, and binds a logger (`loggerFor`) only to those worth
   * a line: a logger per message costs about as much as taking the message in.
   */
  receivedBatch(topic: string, count: number): void {
    if (count > 0) this.consumedTotal.inc({ topic }, count);
  }

  /** A logger bound to one message (or, with no subject, to where a batch starts), without counting it. */
  loggerFor(context: MessagePlace, subject: MessageSubject = {}): Logger {
    return this.logger.forMessage({
      topic: context.topic,
      partition: context.partition,
      offset: context.offset,
      requestId: subject.requestId ?? context.headers?.[CorrelationHeaders.RequestId],
      tenant: subject.tenant,
    });
  }
}
