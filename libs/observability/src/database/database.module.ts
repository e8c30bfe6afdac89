import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { SluiceConfig } from '@sluice/config';
import { createPool } from '@sluice/ledger';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import { SERVICE_NAME } from '../bootstrap/service-name.token';
import { ROOT_LOGGER } from '../logging/logging.tokens';
import { PG_POOL } from './database.tokens';

/**
 * Ends the pool in `onApplicationShutdown`, the last of Nest's shutdown phases: it runs after every
 * `onModuleDestroy` and `beforeApplicationShutdown` hook (where producers flush) and after the HTTP
 * server and microservices are closed, so nothing that could still write to the ledger is left.
 */
@Injectable()
class PoolCloser implements OnApplicationShutdown {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  async onApplicationShutdown(): Promise<void> {
    await this.pool.end();
  }
}

/** The service's pg.Pool under PG_POOL, created lazily by pg on first query and closed last. */
@Global()
@Module({
  providers: [
    {
      provide: PG_POOL,
      inject: [SluiceConfig, SERVICE_NAME, ROOT_LOGGER],
      useFactory: (config: SluiceConfig, service: string, logger: Logger) =>
        createPool(config.DATABASE_URL, {
          applicationName: `sluice-${service}`,
          // Not the error itself: pg hangs the client on it, connection parameters and all.
          onIdleError: (error) =>
            logger.warn({ err: { message: error.message, code: (error as { code?: unknown }).code } }, 'idle database connection failed; the pool replaces it'),
        }),
    },
    PoolCloser,
  ],
  exports: [PG_POOL],
})
export class SluiceDatabaseModule {}
