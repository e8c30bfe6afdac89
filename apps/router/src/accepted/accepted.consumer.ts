import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { AcceptedRequestV1, CorrelationHeaders, Topics } from '@sluice/contracts';
import { type InboundMessage, type MessageOutcome, SluiceKafkaContext } from '@sluice/kafka';
import { MessageObserver } from '@sluice/observability';
import { RouterMetrics } from '../metrics/router.metrics';
import { AcceptedHandler } from './accepted.handler';

/**
 * Accepted requests from ingestion, already checked against AcceptedRequestV1 by the transport, a
 * fetched batch at a time. Urgent work (deadlines that need the realtime lane) comes on its own topic,
 * read by a consumer group of its own: its batches never wait behind a backlog of bulk work.
 */
@Controller()
export class AcceptedConsumer {
  constructor(
    private readonly messages: MessageObserver,
    private readonly handler: AcceptedHandler,
    private readonly metrics: RouterMetrics,
  ) {}

  @EventPattern(Topics.Accepted, { batch: true })
  onAccepted(@Payload() batch: ReadonlyArray<InboundMessage<AcceptedRequestV1>>): Promise<MessageOutcome[]> {
    return this.route(batch);
  }

  @EventPattern(Topics.AcceptedUrgent, { batch: true, group: 'urgent' })
  onAcceptedUrgent(@Payload() batch: ReadonlyArray<InboundMessage<AcceptedRequestV1>>): Promise<MessageOutcome[]> {
    return this.route(batch);
  }

  async route(batch: ReadonlyArray<InboundMessage<AcceptedRequestV1>>): Promise<MessageOutcome[]> {
    const results = await this.handler.handleBatch(
      batch.map(({ value, context }) => ({
        accepted: value,
        correlation: {
          requestId: value.request.id,
          correlationId: context.headers[CorrelationHeaders.CorrelationId],
          traceparent: context.headers[CorrelationHeaders.TraceParent],
        },
      })),
    );
    return results.map((result, i) => {
      const { value, context } = batch[i]!;
      const log = this.messages.received(new SluiceKafkaContext(context), { requestId: value.request.id, tenant: value.request.tenant });
      if (!result.ok) return { ok: false, error: result.error };
      const { outcome } = result;
      this.metrics.record(outcome);
      if (outcome.kind === 'refused') log.warn({ outcome }, 'request refused');
      else if (outcome.kind === 'held') log.info({ outcome }, 'request routed; its lane message waits for notBefore');
      else log.info({ outcome }, 'request routed');
      return { ok: true };
    });
  }
}
