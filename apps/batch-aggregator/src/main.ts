import { LaneRequestV1, Topics } from '@sluice/contracts';
import { bootstrapService } from '@sluice/observability';
import { BatchAggregatorConfig } from './batch-aggregator.config';
import { BatchAggregatorModule } from './batch-aggregator.module';

void bootstrapService({
  name: 'batch-aggregator',
  module: BatchAggregatorModule,
  config: BatchAggregatorConfig,
  consumes: { [Topics.LaneBatch]: LaneRequestV1 },
});
