/**
 * The slice of a pino logger this library writes to: a pino instance (or nestjs-pino's
 * PinoLogger) fits as is, and tests can pass a silent one.
 */
export interface KafkaLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** How much of the driver's own logging reaches the logger. */
export type KafkaLogLevel = 'nothing' | 'error' | 'warn' | 'info' | 'debug';
