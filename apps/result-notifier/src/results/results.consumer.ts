import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CorrelationHeaders, InferenceResultV1, Topics } from '@sluice/contracts';
import { InboundMessage, MessageOutcome } from '@sluice/kafka';
import { MessageObserver, REQUEST_TRACER, ROOT_LOGGER, type RequestTracer } from '@sluice/observability';
import type { Logger } from 'pino';
import type { ItemOutcome } from './poison';
import { IncomingResult, ResultHandler, type ResultHandling } from './result.handler';

/**
 * The most results one handler call books: its statements carry one array element per result, so
 * this bounds them (and the time they hold their locks); a larger fetch is handed over in slices.
 */
export const RESULTS_PER_BATCH = 500;

/** Results from every lane, already checked against InferenceResultV1 by the transport, a fetched batch at a time. */
@Controller()
export class ResultsConsumer {
  constructor(
    private readonly messages: MessageObserver,
    private readonly handler: ResultHandler,
    @Inject(ROOT_LOGGER) private readonly root: Logger,
    @Inject(REQUEST_TRACER) private readonly tracer: RequestTracer,
  ) {}

  @EventPattern(Topics.Results, { batch: true, maxBatchSize: RESULTS_PER_BATCH })
  async onResults(@Payload() messages: ReadonlyArray<InboundMessage<InferenceResultV1>>): Promise<MessageOutcome[]> {
    this.messages.receivedBatch(Topics.Results, messages.length);
    const spans = this.tracer.batch(
      'result-notifier deliver',
      messages.map(({ value, context }) => ({
        traceparent: context.headers[CorrelationHeaders.TraceParent],
        attributes: {
          'sluice.request_id': value.id,
          'sluice.tenant': value.tenant,
          'sluice.result_id': value.resultId,
          'sluice.lane': value.lane,
          'sluice.status': value.status,
        },
      })),
      { 'messaging.destination.name': Topics.Results },
    );
    const incoming = messages.map(({ value: result, context }, i): IncomingResult => ({
      result,
      // The events and replies a result causes carry its delivery span (when tracing is on).
      correlation: { correlationId: context.headers[CorrelationHeaders.CorrelationId], traceparent: spans.requests[i]!.traceparent },
      // Bound only when a line is written: most results never log one.
      log: () => this.messages.loggerFor(context, { requestId: result.id, tenant: result.tenant }),
    }));
    let outcomes: Array<ItemOutcome<ResultHandling>>;
    try {
      // One signal for the batch: the runner gives up on all of its messages at once.
      outcomes = await this.handler.handleBatch(incoming, messages[0]!.context.signal);
      outcomes.forEach((outcome, i) =>
        outcome.ok ? spans.requests[i]!.set({ 'sluice.booking': outcome.value.outcome }) : spans.requests[i]!.fail(outcome.error),
      );
    } catch (error) {
      for (const span of spans.requests) span.fail(error);
      throw error;
    } finally {
      spans.endAll();
    }
    // Binding a logger to every message costs more than booking it; only debug asks for one each.
    const debug = this.root.isLevelEnabled('debug');
    return outcomes.map((outcome, i) => {
      if (!outcome.ok) return { ok: false, error: outcome.error };
      const { result, log } = incoming[i];
      if (debug) log().debug({ resultId: result.resultId, lane: result.lane, status: result.status, ...outcome.value }, 'result handled');
      return { ok: true };
    });
  }
}
