import { Kafka } from 'kafkajs';
import type { KafkaClientConfig } from '../../config/kafka-client.config';
import { createDefaultLogger } from '../../config/default.logger';
import type { AdminDriver, ConsumerDriver, ConsumerDriverConfig, KafkaDriver, ProducerDriver, ProducerDriverConfig } from '../../port/driver.port';
import type { KafkaLogger } from '../../port/logger.port';
import { KafkaJsAdminDriver } from '../kafkajs/kafkajs.admin';
import { kafkaJsLogCreator, toKafkaJsLogLevel } from '../kafkajs/kafkajs.logger';
import { toKafkaJsRetry } from '../kafkajs/kafkajs.retry';
import { PlatformaticConsumerDriver } from './platformatic.consumer';
import { toBaseOptions, type PlatformaticBaseOptions } from './platformatic.options';
import { PlatformaticProducerDriver } from './platformatic.producer';

class PlatformaticDriver implements KafkaDriver {
  constructor(
    private readonly base: PlatformaticBaseOptions,
    private readonly adminClient: Kafka,
    readonly logger: KafkaLogger,
  ) {}

  consumer(config: ConsumerDriverConfig): ConsumerDriver {
    return new PlatformaticConsumerDriver(this.base, config);
  }

  producer(config?: ProducerDriverConfig): ProducerDriver {
    return new PlatformaticProducerDriver(this.base, config);
  }

  /**
   * Administration stays on kafkajs: it is off every hot path (provisioning, watermarks, committed
   * offsets for tools and tests), where nothing is won by the faster client, and the kafkajs admin
   * driver already waits for created topics to get leaders and reads its errors: a second copy of
   * that on another library would be code to keep for no gain.
   */
  admin(): AdminDriver {
    return new KafkaJsAdminDriver(this.adminClient);
  }
}

/** Consumers and producers on @platformatic/kafka (pure JS, several times less CPU per message than kafkajs). */
export function createPlatformaticDriver(config: KafkaClientConfig): KafkaDriver {
  const logger = config.logger ?? createDefaultLogger(config.clientId);
  const adminClient = new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: toKafkaJsLogLevel(config.logLevel ?? 'warn'),
    logCreator: kafkaJsLogCreator(logger),
    retry: toKafkaJsRetry(config.retry),
  });
  return new PlatformaticDriver(toBaseOptions(config), adminClient, logger);
}
