import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { AcceptedRequestV1, CorrelationHeaders, Topics } from '@sluice/contracts';
import { SluiceKafkaContext } from '@sluice/kafka';
import { MessageObserver } from '@sluice/observability';
import { RouterMetrics } from '../metrics/router.metrics';
import { AcceptedHandler } from './accepted.handler';

/** Accepted requests from ingestion, already checked against AcceptedRequestV1 by the transport. */
@Controller()
export class AcceptedConsumer {
  constructor(
    private readonly messages: MessageObserver,
    private readonly handler: AcceptedHandler,
    private readonly metrics: RouterMetrics,
  ) {}

  // Until the router takes urgent work in a batch of its own: the same handling, in a group of its own.
  @EventPattern(Topics.AcceptedUrgent, { group: 'urgent' })
  onAcceptedUrgent(@Payload() accepted: AcceptedRequestV1, @Ctx() context: SluiceKafkaContext): Promise<void> {
    return this.onAccepted(accepted, context);
  }

  @EventPattern(Topics.Accepted)
  async onAccepted(@Payload() accepted: AcceptedRequestV1, @Ctx() context: SluiceKafkaContext): Promise<void> {
    const { id: requestId, tenant } = accepted.request;
    const log = this.messages.received(context, { requestId, tenant });
    const headers = context.getHeaders();
    const outcome = await this.handler.handle(accepted, {
      requestId,
      correlationId: headers[CorrelationHeaders.CorrelationId],
      traceparent: headers[CorrelationHeaders.TraceParent],
    });
    this.metrics.record(outcome);
    if (outcome.kind === 'refused') log.warn({ outcome }, 'request refused');
    else if (outcome.kind === 'held') log.info({ outcome }, 'request routed; its lane message waits for notBefore');
    else log.info({ outcome }, 'request routed');
  }
}
