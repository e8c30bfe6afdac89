import type { KafkaClientConfig } from '../../config/kafka-client.config';
import { createDefaultLogger } from '../../config/default.logger';
import type { AdminDriver, ConsumerDriver, ConsumerDriverConfig, KafkaDriver, ProducerDriver, ProducerDriverConfig } from '../../port/driver.port';
import type { KafkaLogger } from '../../port/logger.port';
import { PlatformaticConsumerDriver } from './platformatic.consumer';
import { toBaseOptions, type PlatformaticBaseOptions } from './platformatic.options';
import { PlatformaticProducerDriver } from './platformatic.producer';

class PlatformaticDriver implements KafkaDriver {
  constructor(
    private readonly base: PlatformaticBaseOptions,
    private readonly adminDriver: () => AdminDriver,
    readonly logger: KafkaLogger,
  ) {}

  consumer(config: ConsumerDriverConfig): ConsumerDriver {
    return new PlatformaticConsumerDriver(this.base, config, this.logger);
  }

  producer(config?: ProducerDriverConfig): ProducerDriver {
    return new PlatformaticProducerDriver(this.base, config);
  }

  /** Another driver's (see createKafkaDriver): administration is off every hot path. */
  admin(): AdminDriver {
    return this.adminDriver();
  }
}

/**
 * Consumers and producers on @platformatic/kafka (pure JS, several times less CPU per message than
 * kafkajs); `admin` makes its admin clients.
 */
export function createPlatformaticDriver(config: KafkaClientConfig, admin: () => AdminDriver): KafkaDriver {
  return new PlatformaticDriver(toBaseOptions(config), admin, config.logger ?? createDefaultLogger(config.clientId));
}
