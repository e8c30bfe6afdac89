import { SluiceConfig } from '@sluice/config';

export class BatchAggregatorConfig extends SluiceConfig {
  override PORT = 3003;
  override KAFKA_CLIENT_ID = 'sluice-batch-aggregator';
  override KAFKA_GROUP_ID = 'sluice-batch-aggregator';
}
