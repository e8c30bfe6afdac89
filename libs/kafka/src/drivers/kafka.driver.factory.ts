import type { KafkaClientConfig } from '../config/kafka-client.config';
import { createDefaultLogger } from '../config/default.logger';
import type { KafkaDriver } from '../port/driver.port';
import { createKafkaJsDriver } from './kafkajs/kafkajs.driver';
import { createPlatformaticDriver } from './platformatic/platformatic.driver';

/** The Kafka client libraries the port is implemented on. */
export const KAFKA_DRIVERS = ['kafkajs', 'platformatic'] as const;
export type KafkaDriverName = (typeof KAFKA_DRIVERS)[number];

/** About half kafkajs' CPU per message, with the same semantics (bench/README.md, throughput). */
export const DEFAULT_KAFKA_DRIVER: KafkaDriverName = 'platformatic';

/**
 * The one place a driver is chosen: `config.driver`, else the default. On platformatic, administration
 * stays on kafkajs: it is off every hot path (provisioning, watermarks, committed offsets for tools and
 * tests), and the kafkajs admin driver already waits for created topics to get leaders and reads its
 * errors; a second copy of that on another library would be code to keep for no gain.
 */
export function createKafkaDriver(config: KafkaClientConfig): KafkaDriver {
  const logger = config.logger ?? createDefaultLogger(config.clientId);
  const kafkajs = createKafkaJsDriver({ ...config, logger });
  if ((config.driver ?? DEFAULT_KAFKA_DRIVER) === 'kafkajs') return kafkajs;
  return createPlatformaticDriver({ ...config, logger }, () => kafkajs.admin());
}
