import { parseBrokerList } from '../config/kafka-client.config';
import type { ConsumerSessionSettings } from '../consumer/consumer-runner.options';
import { createKafkaDriver, KAFKA_DRIVERS, type KafkaDriverName } from '../drivers/kafka.driver.factory';
import type { KafkaDriver } from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';

export interface LogEntry {
  level: 'debug' | 'info' | 'warn' | 'error';
  msg?: string;
  fields: object;
}

/** A logger that keeps what it is told, for tests that assert on logs or print them on failure. */
export function memoryLogger(): KafkaLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  const record =
    (level: LogEntry['level']) =>
    (fields: object, msg?: string): void => {
      entries.push({ level, msg, fields });
    };
  return { entries, debug: record('debug'), info: record('info'), warn: record('warn'), error: record('error') };
}

/** The driver tests run on: KAFKA_DRIVER (the integration project runs libs/kafka's specs once per driver), else the default. */
export function testDriverName(): KafkaDriverName | undefined {
  const name = process.env.KAFKA_DRIVER;
  if (name === undefined || name === '') return undefined;
  if (!(KAFKA_DRIVERS as readonly string[]).includes(name)) throw new Error(`KAFKA_DRIVER must be one of ${KAFKA_DRIVERS.join(', ')}, not "${name}"`);
  return name as KafkaDriverName;
}

/** A driver for the test broker (KAFKA_BROKERS, default 127.0.0.1:9092). */
export function testKafka(logger: KafkaLogger = memoryLogger(), clientId = 'sluice-kafka-test'): KafkaDriver {
  return createKafkaDriver({
    brokers: parseBrokerList(process.env.KAFKA_BROKERS ?? '127.0.0.1:9092'),
    driver: testDriverName(),
    clientId,
    logger,
    logLevel: 'warn',
  });
}

/**
 * Session settings that keep tests quick: the shortest session the broker allows by default
 * (group.min.session.timeout.ms = 6000), frequent heartbeats, short fetch waits so stop() is prompt.
 */
export const fastSession: ConsumerSessionSettings = {
  sessionTimeoutMs: 6_000,
  heartbeatIntervalMs: 500,
  rebalanceTimeoutMs: 10_000,
  maxWaitTimeMs: 100,
};
