import pino from 'pino';
import type { KafkaLogger } from '../port/logger.port';

/** Used when a caller gives no logger: JSON lines on stdout, written synchronously so a crash log survives `process.exit`. */
export function createDefaultLogger(name: string): KafkaLogger {
  return pino({ name, level: 'info' });
}
