import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { Topics } from '@sluice/contracts';
import { SluiceKafkaContext } from '@sluice/kafka';
import { MessageObserver } from '@sluice/observability';
import { ConsumedRequest, RequestsHandler, requestIdOf } from './requests.handler';

/** Requests produced straight to Kafka, as JSON objects: RequestsHandler validates them (see `consumes` in ingestion.definition.ts). */
@Controller()
export class RequestsConsumer {
  constructor(
    private readonly messages: MessageObserver,
    private readonly requests: RequestsHandler,
  ) {}

  @EventPattern(Topics.Requests)
  async onRequest(@Payload() value: Record<string, unknown>, @Ctx() context: SluiceKafkaContext): Promise<void> {
    const consumed: ConsumedRequest = {
      topic: context.getTopic(),
      partition: context.getPartition(),
      offset: context.getOffset(),
      timestamp: context.getTimestamp(),
      headers: context.getHeaders(),
    };
    const log = this.messages.received(context, {
      requestId: requestIdOf(value, consumed),
      tenant: typeof value.tenant === 'string' ? value.tenant : undefined,
    });
    const outcome = await this.requests.handle(value, consumed);
    if (outcome.kind === 'rejected') {
      log.info({ fields: outcome.errors.map((error) => error.field), codes: outcome.errors.map((error) => error.code) }, 'request rejected');
    } else if (outcome.kind === 'conflict') {
      log.info('request rejected: its id is taken by a different request');
    } else {
      log.debug({ duplicate: outcome.duplicate }, 'request accepted');
    }
  }
}
