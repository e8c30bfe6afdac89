import { Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { ConsumerHealthRegistry } from './consumer-health.registry';

@Injectable()
export class KafkaConsumerIndicator {
  constructor(
    private readonly indicator: HealthIndicatorService,
    private readonly consumers: ConsumerHealthRegistry,
  ) {}

  check(): HealthIndicatorResult<'kafka'> {
    const session = this.indicator.check('kafka');
    const consumers = this.consumers.report();
    const waiting = consumers.filter((consumer) => !consumer.ready);
    if (waiting.length === 0) return session.up({ consumers: consumers.map((consumer) => consumer.name) });
    return session.down({
      waiting: waiting.map((consumer) => ({ consumer: consumer.name, reason: consumer.reason ?? 'not ready' })),
    });
  }
}
