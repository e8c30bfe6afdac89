import type { LoggerService } from '@nestjs/common';
import type { LogLevel } from '@sluice/config';
import { createRootLogger } from '@sluice/observability';
import type { Logger } from 'pino';

/** The house JSON logger (service name, ISO time, secrets redacted); no line per request, for throughput. */
export function createEmulatorLogger(level: LogLevel): Logger {
  return createRootLogger('provider-emulator', level);
}

/** Nest's own messages (routes mapped, lifecycle) go through the same JSON logger. */
export class NestPinoLogger implements LoggerService {
  constructor(private readonly logger: Logger) {}

  log(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }

  error(message: unknown, trace?: string, context?: string): void {
    this.logger.error({ context, trace }, String(message));
  }

  warn(message: unknown, context?: string): void {
    this.logger.warn({ context }, String(message));
  }

  debug(message: unknown, context?: string): void {
    this.logger.debug({ context }, String(message));
  }

  verbose(message: unknown, context?: string): void {
    this.logger.trace({ context }, String(message));
  }
}
