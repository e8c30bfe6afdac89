import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CorrelationHeaders, InferenceResultV1, Topics } from '@sluice/contracts';
import { InboundMessage, MessageOutcome, SluiceKafkaContext } from '@sluice/kafka';
import { MessageObserver } from '@sluice/observability';
import { IncomingResult, ResultHandler } from './result.handler';

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
  ) {}

  @EventPattern(Topics.Results, { batch: true, maxBatchSize: RESULTS_PER_BATCH })
  async onResults(@Payload() messages: ReadonlyArray<InboundMessage<InferenceResultV1>>): Promise<MessageOutcome[]> {
    const incoming = messages.map(({ value: result, context }): IncomingResult => {
      const headers = context.headers;
      return {
        result,
        correlation: { correlationId: headers[CorrelationHeaders.CorrelationId], traceparent: headers[CorrelationHeaders.TraceParent] },
        log: this.messages.received(new SluiceKafkaContext(context), { requestId: result.id, tenant: result.tenant }),
      };
    });
    const outcomes = await this.handler.handleBatch(incoming);
    return outcomes.map((outcome, i) => {
      if (!outcome.ok) return { ok: false, error: outcome.error };
      const { result, log } = incoming[i];
      log.debug({ resultId: result.resultId, lane: result.lane, status: result.status, ...outcome.value }, 'result handled');
      return { ok: true };
    });
  }
}
