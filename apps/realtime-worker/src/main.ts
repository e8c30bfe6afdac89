import { bootstrapService } from '@sluice/observability';
import { RealtimeWorkerConfig } from './realtime-worker.config';
import { RealtimeWorkerModule } from './realtime-worker.module';

void bootstrapService({
  name: 'realtime-worker',
  module: RealtimeWorkerModule,
  config: RealtimeWorkerConfig,
  // The lane topics are consumed by LanesConsumer's own runners (batch mode, one group per lane),
  // not by the Kafka transport, whose one-message-at-a-time partitions would serialise provider calls.
  consumes: {},
});
