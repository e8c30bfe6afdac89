import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ConsumerHealthRegistry } from './consumer-health.registry';
import { DatabaseIndicator } from './database.indicator';
import { HealthController } from './health.controller';
import { KafkaConsumerIndicator } from './kafka-consumer.indicator';
import { ReadinessState } from './readiness.state';

/** `GET /health/live` and `GET /health/ready`; needs the config, logging and database modules in the application. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [ConsumerHealthRegistry, ReadinessState, DatabaseIndicator, KafkaConsumerIndicator],
  exports: [ConsumerHealthRegistry, ReadinessState],
})
export class SluiceHealthModule {}
