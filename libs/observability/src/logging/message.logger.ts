import { Inject, Injectable } from '@nestjs/common';
import type { Logger } from 'pino';
import { ROOT_LOGGER } from './logging.tokens';

/** Where a Kafka message came from and whom it is about: the fields every log line about it carries. */
export interface MessageLogContext {
  topic: string;
  partition: number;
  offset: string;
  requestId?: string;
  tenant?: string;
}

/**
 * Logging for code outside an HTTP request (Kafka handlers, timers): a child of the service's root
 * logger bound to one message, so its lines join the request's HTTP lines on `requestId`.
 */
@Injectable()
export class MessageLogger {
  constructor(@Inject(ROOT_LOGGER) private readonly root: Logger) {}

  forMessage(context: MessageLogContext): Logger {
    return this.root.child(context);
  }
}
