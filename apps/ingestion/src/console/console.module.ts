import { Module } from '@nestjs/common';
import { ApiKeysRepository, CompletionsRepository, ConsoleRepository, JobsRepository } from '@sluice/ledger';
import { PG_POOL } from '@sluice/observability';
import type { Pool } from 'pg';
import { API_KEYS, ApiKeyGuard } from '../http/auth/api-key.guard';
import { CONSOLE_LEDGER, ConsoleApiController, ConsoleLedger } from './console-api.controller';
import { ConsoleAssetsController } from './console-assets.controller';

/** The operator console at /console: its page and its JSON, behind the API keys. */
@Module({
  controllers: [ConsoleAssetsController, ConsoleApiController],
  providers: [
    {
      provide: CONSOLE_LEDGER,
      inject: [PG_POOL],
      useFactory: (pool: Pool): ConsoleLedger => ({
        console: new ConsoleRepository(pool),
        costs: new CompletionsRepository(pool),
        jobs: new JobsRepository(pool),
      }),
    },
    { provide: API_KEYS, inject: [PG_POOL], useFactory: (pool: Pool) => new ApiKeysRepository(pool) },
    ApiKeyGuard,
  ],
})
export class ConsoleModule {}
