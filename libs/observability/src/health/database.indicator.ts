import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { DependencyMonitor } from './dependency.monitor';

@Injectable()
export class DatabaseIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly dependencies: DependencyMonitor,
  ) {}

  async check(): Promise<HealthIndicatorResult<'database'>> {
    const session = this.indicator.check('database');
    const probe = await this.dependencies.probeDatabase();
    return probe.up ? session.up() : session.down({ reason: probe.reason });
  }
}
