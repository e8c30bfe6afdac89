import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { AcceptedRequestV1, CorrelationHeaders, Topics } from '@sluice/contracts';
import type { InboundMessage, MessageOutcome } from '@sluice/kafka';
import { MessageObserver, REQUEST_TRACER, type RequestTracer, type SpanAttributes } from '@sluice/observability';
import { RouterMetrics } from '../metrics/router.metrics';
import { AcceptedHandler, type BatchRoutingResult, type RoutingOutcome } from './accepted.handler';

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
    @Inject(REQUEST_TRACER) private readonly tracer: RequestTracer,
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
    const spans = this.tracer.batch(
      'router route',
      batch.map(({ value, context }) => ({
        traceparent: context.headers[CorrelationHeaders.TraceParent],
        attributes: { 'sluice.request_id': value.request.id, 'sluice.tenant': value.request.tenant },
      })),
      { 'messaging.destination.name': topic },
    );
    let results: BatchRoutingResult[];
    try {
      results = await this.handler.handleBatch(
        batch.map(({ value, context }, i) => ({
          accepted: value,
          // The lane message's traceparent is this request's routing span (when tracing is on).
          correlation: {
            requestId: value.request.id,
            correlationId: context.headers[CorrelationHeaders.CorrelationId],
            traceparent: spans.requests[i]!.traceparent,
          },
          ...(context.raw && { raw: context.raw }),
        })),
      );
      results.forEach((result, i) => {
        const span = spans.requests[i]!;
        if (result.ok) span.set(routingAttributes(result.outcome));
        else span.fail(result.error);
      });
    } catch (error) {
      for (const span of spans.requests) span.fail(error);
      throw error;
    } finally {
      spans.endAll();
    }
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

/** What a routing span records: the outcome, and the lane when there is one. */
function routingAttributes(outcome: RoutingOutcome): SpanAttributes {
  return {
    'sluice.routing.outcome': outcome.kind,
    'sluice.lane': 'lane' in outcome ? outcome.lane : undefined,
    'sluice.routing.reason': 'reason' in outcome ? outcome.reason : undefined,
    'sluice.routing.estimated_cost_usd': 'estimatedCostUsd' in outcome ? outcome.estimatedCostUsd : undefined,
    'sluice.routing.realtime_cost_usd': 'realtimeCostUsd' in outcome ? outcome.realtimeCostUsd : undefined,
  };
}
