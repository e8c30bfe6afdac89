import { HealthIndicatorService } from '@nestjs/terminus';
import type { ConsumerHealth } from '@sluice/kafka';
import { ConsumerHealthRegistry } from './consumer-health.registry';
import { KafkaConsumerIndicator } from './kafka-consumer.indicator';

function source(health: ConsumerHealth): { consumerHealth: () => ConsumerHealth } {
  return { consumerHealth: () => health };
}

describe('KafkaConsumerIndicator', () => {
  it('is up when every registered consumer is ready', () => {
    const registry = new ConsumerHealthRegistry();
    registry.register('sluice-router', source({ ready: true }));
    expect(new KafkaConsumerIndicator(new HealthIndicatorService(), registry).check()).toEqual({
      kafka: { status: 'up', consumers: ['sluice-router'] },
    });
  });

  it('is down with each waiting consumer and its reason', () => {
    const registry = new ConsumerHealthRegistry();
    registry.register('lanes', source({ ready: false, reason: 'joining group sluice-realtime-worker' }));
    registry.register('other', source({ ready: false }));
    expect(new KafkaConsumerIndicator(new HealthIndicatorService(), registry).check()).toEqual({
      kafka: {
        status: 'down',
        waiting: [
          { consumer: 'lanes', reason: 'joining group sluice-realtime-worker' },
          { consumer: 'other', reason: 'not ready' },
        ],
      },
    });
  });

  it('reads the consumer on every check, so readiness follows a crash', () => {
    const registry = new ConsumerHealthRegistry();
    let health: ConsumerHealth = { ready: true };
    registry.register('lanes', { consumerHealth: () => health });
    const indicator = new KafkaConsumerIndicator(new HealthIndicatorService(), registry);
    expect(indicator.check().kafka.status).toBe('up');
    health = { ready: false, reason: 'consumer crashed' };
    expect(indicator.check().kafka.status).toBe('down');
  });
});
