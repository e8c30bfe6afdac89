import { logLevel as KafkaJsLogLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { KafkaLogger, KafkaLogLevel } from '../../port/logger.port';

export function toKafkaJsLogLevel(level: KafkaLogLevel): KafkaJsLogLevel {
  switch (level) {
    case 'nothing':
      return KafkaJsLogLevel.NOTHING;
    case 'error':
      return KafkaJsLogLevel.ERROR;
    case 'warn':
      return KafkaJsLogLevel.WARN;
    case 'info':
      return KafkaJsLogLevel.INFO;
    case 'debug':
      return KafkaJsLogLevel.DEBUG;
  }
}

/**
 * kafkajs warns at every idempotent producer it creates with bounded retries. They are bounded on
 * purpose (the producer driver says why); a retried request still reuses its sequence numbers.
 */
const EXPECTED_WARNINGS = new Set(['Limiting retries for the idempotent producer may invalidate EoS guarantees']);

/** Routes kafkajs' own log entries into our logger, keeping its structured fields. */
export function kafkaJsLogCreator(logger: KafkaLogger): logCreator {
  return () =>
    ({ namespace, level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, ...fields } = log;
      const entry = { driver: 'kafkajs', namespace, ...fields };
      if (level === KafkaJsLogLevel.WARN && EXPECTED_WARNINGS.has(message)) {
        logger.debug(entry, message);
        return;
      }
      switch (level) {
        case KafkaJsLogLevel.ERROR:
          logger.error(entry, message);
          break;
        case KafkaJsLogLevel.WARN:
          logger.warn(entry, message);
          break;
        case KafkaJsLogLevel.INFO:
          logger.info(entry, message);
          break;
        default:
          logger.debug(entry, message);
      }
    };
}
