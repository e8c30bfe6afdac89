import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import { LaneRequestV1, Topics } from '@sluice/contracts';
import { SluiceKafkaContext } from '@sluice/kafka';
import { MessageObserver } from '@sluice/observability';

/** The batch lane, already checked against LaneRequestV1 by the transport. */
@Controller()
export class BatchLaneConsumer {
  constructor(private readonly messages: MessageObserver) {}

  @EventPattern(Topics.LaneBatch)
  onBatchLane(@Payload() laneRequest: LaneRequestV1, @Ctx() context: SluiceKafkaContext): void {
    this.messages.received(context, { requestId: laneRequest.request.id, tenant: laneRequest.request.tenant }).debug('batch lane request received');
  }
}
