import type { KafkaClientConfig } from '../config/kafka-client.config';
import type { KafkaDriver } from '../port/driver.port';
import { createKafkaJsDriver } from './kafkajs/kafkajs.driver';
import { createPlatformaticDriver } from './platformatic/platformatic.driver';

/** The Kafka client libraries the port is implemented on. */
export const KAFKA_DRIVERS = ['kafkajs', 'platformatic'] as const;
export type KafkaDriverName = (typeof KAFKA_DRIVERS)[number];

/** About half kafkajs' CPU per message, with the same semantics (bench/README.md, throughput). */
export const DEFAULT_KAFKA_DRIVER: KafkaDriverName = 'platformatic';

/** The one place a driver is chosen: `config.driver`, else the default. */
export function createKafkaDriver(config: KafkaClientConfig): KafkaDriver {
  return (config.driver ?? DEFAULT_KAFKA_DRIVER) === 'platformatic' ? createPlatformaticDriver(config) : createKafkaJsDriver(config);
}
