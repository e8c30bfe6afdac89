import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { AcceptedRequestV1, CorrelationHeaders, Topics } from '@sluice/contracts';
import type { InboundMessage, MessageOutcome } from '@sluice/kafka';
import { MessageObserver } from '@sluice/observability';
import { RouterMetrics } from '../metrics/router.metrics';
import { AcceptedHandler, type RoutingOutcome } from './accepted.handler';

/** Largest slice of a fetched batch routed at once: the ledger statements and the produce request grow with it. */
const MAX_BATCH = 500;

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

  // Nothing on sluice.accepted.v1 needs the realtime lane: it gives way while urgent work flows.
  @EventPattern(Topics.Accepted, { batch: true, deferrable: true, maxBatchSize: MAX_BATCH })
  onAccepted(@Payload() batch: ReadonlyArray<InboundMessage<AcceptedRequestV1>>): Promise<MessageOutcome[]> {
    return this.route(batch);
  }

  @EventPattern(Topics.AcceptedUrgent, { batch: true, group: 'urgent', maxBatchSize: MAX_BATCH })
  onAcceptedUrgent(@Payload() batch: ReadonlyArray<InboundMessage<AcceptedRequestV1>>): Promise<MessageOutcome[]> {
    return this.route(batch);
  }

  async route(batch: ReadonlyArray<InboundMessage<AcceptedRequestV1>>): Promise<MessageOutcome[]> {
    const first = batch[0];
    if (first === undefined) return [];
    const { topic } = first.context;
    this.messages.receivedBatch(topic, batch.length);
    const results = await this.handler.handleBatch(
      batch.map(({ value, context }) => ({
        accepted: value,
        correlation: {
          requestId: value.request.id,
          correlationId: context.headers[CorrelationHeaders.CorrelationId],
          traceparent: context.headers[CorrelationHeaders.TraceParent],
        },
        ...(context.raw && { raw: context.raw }),
      })),
    );
    const kinds: Partial<Record<RoutingOutcome['kind'], number>> = {};
    const outcomes = results.map((result, i): MessageOutcome => {
      if (!result.ok) return { ok: false, error: result.error };
      const { outcome } = result;
      this.metrics.record(outcome);
      kinds[outcome.kind] = (kinds[outcome.kind] ?? 0) + 1;
      // Routine outcomes are summed up per batch below; these deserve a line naming the request.
      if (outcome.kind === 'refused' || outcome.kind === 'held') {
        const { value, context } = batch[i]!;
        const log = this.messages.loggerFor(context, { requestId: value.request.id, tenant: value.request.tenant });
        if (outcome.kind === 'refused') log.warn({ outcome }, 'request refused');
        else log.info({ outcome }, 'request routed; its lane message waits for notBefore');
      }
      return { ok: true };
    });
    this.messages
      .loggerFor(first.context)
      .info({ messages: batch.length, lastOffset: batch[batch.length - 1]!.context.offset, outcomes: kinds }, 'batch routed');
    return outcomes;
  }
}
