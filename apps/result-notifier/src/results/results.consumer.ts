import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { CorrelationHeaders, InferenceResultV1, Topics } from '@sluice/contracts';
import { SluiceKafkaContext } from '@sluice/kafka';
import { MessageObserver } from '@sluice/observability';
import { ResultHandler } from './result.handler';

/** Results from every lane, already checked against InferenceResultV1 by the transport. */
@Controller()
export class ResultsConsumer {
  constructor(
    private readonly messages: MessageObserver,
    private readonly handler: ResultHandler,
  ) {}

  @EventPattern(Topics.Results)
  async onResult(@Payload() result: InferenceResultV1, @Ctx() context: SluiceKafkaContext): Promise<void> {
    const log = this.messages.received(context, { requestId: result.id, tenant: result.tenant });
    const headers = context.getHeaders();
    const handled = await this.handler.handle(
      result,
      { correlationId: headers[CorrelationHeaders.CorrelationId], traceparent: headers[CorrelationHeaders.TraceParent] },
      log,
    );
    log.debug({ resultId: result.resultId, lane: result.lane, status: result.status, ...handled }, 'result handled');
  }
}
