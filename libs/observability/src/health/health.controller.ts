import { Controller, Get } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseIndicator } from './database.indicator';
import { KafkaConsumerIndicator } from './kafka-consumer.indicator';
import { ReadinessState } from './readiness.state';

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicator: HealthIndicatorService,
    private readonly readiness: ReadinessState,
    private readonly database: DatabaseIndicator,
    private readonly kafka: KafkaConsumerIndicator,
  ) {}

  /** The process is up and its event loop answers; nothing external is checked, so a broker outage never restarts it. */
  @Get('live')
  @HealthCheck()
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** The service can do its work: not draining, database reachable, Kafka consumers joined. */
  @Get('ready')
  @HealthCheck()
  ready(): Promise<HealthCheckResult> {
    return this.health.check([
      () => {
        const session = this.indicator.check('lifecycle');
        return this.readiness.accepting ? session.up() : session.down({ reason: 'shutting down' });
      },
      () => this.database.check(),
      () => this.kafka.check(),
    ]);
  }
}
