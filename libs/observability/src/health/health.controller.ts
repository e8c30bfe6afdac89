import { Controller, Get, HttpCode, HttpStatus, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckResult, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { DatabaseIndicator } from './database.indicator';
import { DependencyMonitor } from './dependency.monitor';
import type { HealthSummary } from './dependency.summary';
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
    private readonly dependencies: DependencyMonitor,
  ) {}

  /**
   * What an operator reads: `ok`, or `degraded` with each dependency that is down and why, and the
   * consumers waiting for one. 200 while degraded: the service runs and recovers by itself when the
   * dependency is back, so restarting it would not help (readiness is what takes it out of rotation);
   * 503 only while it shuts down.
   */
  @Get()
  @HttpCode(HttpStatus.OK)
  async summary(@Res({ passthrough: true }) response: { status(code: number): unknown }): Promise<HealthSummary> {
    const summary = await this.dependencies.summary();
    if (summary.status === 'shutting_down') response.status(HttpStatus.SERVICE_UNAVAILABLE);
    return summary;
  }

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
