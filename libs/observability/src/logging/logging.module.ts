import { Global, Module, RequestMethod } from '@nestjs/common';
import { SluiceConfig } from '@sluice/config';
import { LoggerModule } from 'nestjs-pino';
import type { Logger } from 'pino';
import { SERVICE_NAME } from '../bootstrap/service-name.token';
import { ALL_ROUTES } from '../common/all-routes.constant';
import { createRootLogger } from './logger.options';
import { ROOT_LOGGER } from './logging.tokens';
import { MessageLogger } from './message.logger';
import { resolveRequestId } from './request-id.resolver';

// Probes and scrapes arrive every few seconds; a line for each would drown the requests that matter.
const QUIET_PATHS = new Set(['/health', '/health/live', '/health/ready', '/metrics']);

/**
 * JSON logging for a service: one root logger (used outside HTTP through MessageLogger), and
 * nestjs-pino's request logging on the same logger, with the request id taken from the caller's
 * headers and echoed back in `x-request-id`.
 */
@Global()
@Module({
  imports: [
    LoggerModule.forRootAsync({
      inject: [ROOT_LOGGER],
      useFactory: (logger: Logger) => ({
        forRoutes: [{ path: ALL_ROUTES, method: RequestMethod.ALL }],
        pinoHttp: {
          logger,
          genReqId: (req, res) => {
            const id = resolveRequestId(req.headers);
            res.setHeader('x-request-id', id);
            return id;
          },
          customProps: (req) => ({ requestId: req.id }),
          autoLogging: { ignore: (req) => QUIET_PATHS.has((req.url ?? '').split('?')[0]) },
        },
      }),
    }),
  ],
  providers: [
    {
      provide: ROOT_LOGGER,
      inject: [SluiceConfig, SERVICE_NAME],
      useFactory: (config: SluiceConfig, service: string) => createRootLogger(service, config.LOG_LEVEL),
    },
    MessageLogger,
  ],
  exports: [ROOT_LOGGER, MessageLogger],
})
export class SluiceLoggingModule {}
