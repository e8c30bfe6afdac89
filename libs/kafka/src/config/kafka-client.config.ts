import type { DriverRetrySettings } from '../port/driver.port';
import type { KafkaLogger, KafkaLogLevel } from '../port/logger.port';
import type { KafkaSecuritySettings } from './kafka-security';

/** Everything needed to reach a cluster; callers read it from their own config (KAFKA_BROKERS, ...). */
export interface KafkaClientConfig {
  brokers: readonly string[];
  /** The client library behind the port; defaults to DEFAULT_KAFKA_DRIVER. */
  driver?: 'kafkajs' | 'platformatic';
  clientId: string;
  /** Defaults to a pino logger named after the client. */
  logger?: KafkaLogger;
  /** How much of the driver's internal logging is forwarded; defaults to 'warn'. */
  logLevel?: KafkaLogLevel;
  connectionTimeoutMs?: number;
  requestTimeoutMs?: number;
  retry?: DriverRetrySettings;
  /** TLS and SASL; unset, clients connect in plaintext without authenticating. */
  security?: KafkaSecuritySettings;
}

/** Parses a KAFKA_BROKERS-style list ("host:port,host:port"), rejecting an empty one. */
export function parseBrokerList(value: string): string[] {
  const brokers = value
    .split(',')
    .map((broker) => broker.trim())
    .filter((broker) => broker.length > 0);
  if (brokers.length === 0) {
    throw new Error(`broker list is empty: "${value}"`);
  }
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) {
      throw new Error(`broker "${broker}" is not host:port`);
    }
  }
  return brokers;
}
