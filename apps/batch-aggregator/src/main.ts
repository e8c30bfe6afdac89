import { bootstrapService } from '@sluice/observability';
import { BatchAggregatorConfig } from './batch-aggregator.config';
import { BatchAggregatorModule } from './batch-aggregator.module';

void bootstrapService({
  name: 'batch-aggregator',
  module: BatchAggregatorModule,
  config: BatchAggregatorConfig,
  // The batch lane is consumed by BatchLaneConsumer's own runner (batch mode, committed once the
  // window items are in the ledger), not by the Kafka transport.
  consumes: {},
});
