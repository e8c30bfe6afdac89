import { Controller, Inject } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { CorrelationHeaders, InferenceResultV1, Topics } from '@sluice/contracts';
import { InboundMessage, MessageOutcome } from '@sluice/kafka';
import { MessageObserver, ROOT_LOGGER } from '@sluice/observability';
import type { Logger } from 'pino';
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
    @Inject(ROOT_LOGGER) private readonly root: Logger,
  ) {}

  @EventPattern(Topics.Results, { batch: true, maxBatchSize: RESULTS_PER_BATCH })
  async onResults(@Payload() messages: ReadonlyArray<InboundMessage<InferenceResultV1>>): Promise<MessageOutcome[]> {
    this.messages.receivedBatch(Topics.Results, messages.length);
    const incoming = messages.map(({ value: result, context }): IncomingResult => ({
      result,
      correlation: { correlationId: context.headers[CorrelationHeaders.CorrelationId], traceparent: context.headers[CorrelationHeaders.TraceParent] },
      // Bound only when a line is written: most results never log one.
      log: () => this.messages.loggerFor(context, { requestId: result.id, tenant: result.tenant }),
    }));
    // One signal for the batch: the runner gives up on all of its messages at once.
    const outcomes = await this.handler.handleBatch(incoming, messages[0]!.context.signal);
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
