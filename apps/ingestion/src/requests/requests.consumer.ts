import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@sluice/contracts';
import { InboundMessage, MessageOutcome } from '@sluice/kafka';
import { MessageObserver } from '@sluice/observability';
import { ConsumedItem, IntakeOptions, IntakeOutcome, RequestsHandler, requestIdOf } from './requests.handler';

export type RequestMessages = ReadonlyArray<InboundMessage<Record<string, unknown>>>;

/**
 * Requests produced straight to Kafka, as JSON objects: RequestsHandler validates them (see `consumes`
 * in ingestion.definition.ts). A fetched batch at a time, and the two intake topics in consumer groups
 * of their own, so a backlog of deferrable work on sluice.requests.bulk.v1 never holds up
 * sluice.requests.v1.
 */
@Controller()
export class RequestsConsumer {
  constructor(
    private readonly messages: MessageObserver,
    private readonly requests: RequestsHandler,
  ) {}

  @EventPattern(Topics.Requests, { batch: true })
  onRequests(@Payload() messages: RequestMessages): Promise<MessageOutcome[]> {
    return this.take(messages, { bulk: false });
  }

  // The producer chose bulk: a realtime-ish deadline on this topic still goes the bulk path, and gives
  // way while urgent work flows.
  @EventPattern(Topics.RequestsBulk, { batch: true, group: 'bulk', deferrable: true })
  onBulkRequests(@Payload() messages: RequestMessages): Promise<MessageOutcome[]> {
    return this.take(messages, { bulk: true });
  }

  protected async take(messages: RequestMessages, options: IntakeOptions): Promise<MessageOutcome[]> {
    const items: ConsumedItem[] = messages.map(({ value, context }) => ({
      plain: value,
      message: {
        topic: context.topic,
        partition: context.partition,
        offset: context.offset,
        timestamp: context.timestamp,
        headers: context.headers,
        bytes: context.raw?.byteLength,
      },
    }));
    if (messages.length > 0) this.messages.receivedBatch(messages[0].context.topic, messages.length);
    const results = await this.requests.handle(items, options);
    return results.map((result, index) => {
      if (!result.ok) return { ok: false, error: result.error };
      if (result.outcome.kind !== 'accepted') this.logRefusal(items[index], messages[index], result.outcome);
      return { ok: true };
    });
  }

  /** Accepted requests get no line of their own: their `accepted` event is the record. */
  private logRefusal({ plain, message }: ConsumedItem, { context }: RequestMessages[number], outcome: Exclude<IntakeOutcome, { kind: 'accepted' }>): void {
    const log = this.messages.loggerFor(context, {
      requestId: requestIdOf(plain, message),
      tenant: typeof plain.tenant === 'string' ? plain.tenant : undefined,
    });
    if (outcome.kind === 'rejected') {
      log.info({ fields: outcome.errors.map((error) => error.field), codes: outcome.errors.map((error) => error.code) }, 'request rejected');
    } else {
      log.info('request rejected: its id is taken by a different request');
    }
  }
}
