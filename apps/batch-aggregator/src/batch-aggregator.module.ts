import { Module } from '@nestjs/common';
import { BatchLaneConsumer } from './batch-lane/batch-lane.consumer';

/** The batch-aggregator's composition root; the shared service parts come from bootstrapService. */
@Module({ controllers: [BatchLaneConsumer] })
export class BatchAggregatorModule {}
