import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ConsumerHealthRegistry } from './consumer-health.registry';
import { DatabaseIndicator } from './database.indicator';
import { DependencyMonitor } from './dependency.monitor';
import { HealthController } from './health.controller';
import { KafkaConsumerIndicator } from './kafka-consumer.indicator';
import { ReadinessState } from './readiness.state';

/** `GET /health/live`, `GET /health/ready` and `GET /health` (ok or degraded, and why); needs the config, logging and database modules in the application. */
@Module({
  imports: [TerminusModule.forRoot({ errorLogStyle: 'json' })],
  controllers: [HealthController],
  providers: [ConsumerHealthRegistry, ReadinessState, DependencyMonitor, DatabaseIndicator, KafkaConsumerIndicator],
  exports: [ConsumerHealthRegistry, ReadinessState, DependencyMonitor],
})
export class SluiceHealthModule {}
