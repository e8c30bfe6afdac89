import { Kafka } from 'kafkajs';
import type { KafkaClientConfig } from '../../config/kafka-client.config';
import { createDefaultLogger } from '../../config/default.logger';
import type { AdminDriver, ConsumerDriver, ConsumerDriverConfig, KafkaDriver, ProducerDriver, ProducerDriverConfig } from '../../port/driver.port';
import type { KafkaLogger } from '../../port/logger.port';
import { KafkaJsAdminDriver } from './kafkajs.admin';
import { KafkaJsConsumerDriver } from './kafkajs.consumer';
import { kafkaJsLogCreator, toKafkaJsLogLevel } from './kafkajs.logger';
import { KafkaJsProducerDriver } from './kafkajs.producer';
import { toKafkaJsRetry } from './kafkajs.retry';
import { toKafkaJsSecurity } from './kafkajs.security';

class KafkaJsDriver implements KafkaDriver {
  constructor(
    private readonly kafka: Kafka,
    private readonly bootstrap: readonly string[],
    readonly logger: KafkaLogger,
  ) {}

  consumer(config: ConsumerDriverConfig): ConsumerDriver {
    return new KafkaJsConsumerDriver(this.kafka, config, this.bootstrap);
  }

  producer(config?: ProducerDriverConfig): ProducerDriver {
    return new KafkaJsProducerDriver(this.kafka, config, this.bootstrap);
  }

  admin(): AdminDriver {
    return new KafkaJsAdminDriver(this.kafka, this.bootstrap);
  }
}

/** The one place kafkajs is configured; everything else sees only the port. */
export function createKafkaJsDriver(config: KafkaClientConfig): KafkaDriver {
  const logger = config.logger ?? createDefaultLogger(config.clientId);
  const kafka = new Kafka({
    clientId: config.clientId,
    brokers: [...config.brokers],
    connectionTimeout: config.connectionTimeoutMs,
    requestTimeout: config.requestTimeoutMs,
    logLevel: toKafkaJsLogLevel(config.logLevel ?? 'warn'),
    logCreator: kafkaJsLogCreator(logger),
    retry: toKafkaJsRetry(config.retry),
    ...toKafkaJsSecurity(config.security),
  });
  return new KafkaJsDriver(kafka, config.brokers, logger);
}
