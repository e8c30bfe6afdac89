import { Module } from '@nestjs/common';
import { KAFKA_DRIVER, KafkaDriver, KafkaProducer, readDlqEntry, readTopicToEnd } from '@sluice/kafka';
import { ApiKeysRepository, CompletionsRepository, ConsoleRepository, DlqDispositionsRepository, JobsRepository } from '@sluice/ledger';
import { PG_POOL } from '@sluice/observability';
import type { Pool } from 'pg';
import { API_KEYS, ApiKeyGuard } from '../http/auth/api-key.guard';
import { CONSOLE_LEDGER, ConsoleApiController, ConsoleLedger } from './console-api.controller';
import { ConsoleAssetsController } from './console-assets.controller';
import { ConsoleLiveController } from './console-live.controller';
import { DeadLettersController } from './dead-letters.controller';
import { DeadLettersHandler } from './dead-letters.handler';
import { IngestionConfig } from '../ingestion.config';
import { IntakeModule } from '../intake.module';

/** The operator console at /console: its page and its JSON, behind the API keys. */
@Module({
  imports: [IntakeModule],
  controllers: [ConsoleAssetsController, ConsoleApiController, ConsoleLiveController, DeadLettersController],
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
    {
      provide: DeadLettersHandler,
      inject: [IngestionConfig, KAFKA_DRIVER, KafkaProducer, PG_POOL],
      useFactory: (config: IngestionConfig, kafka: KafkaDriver, producer: KafkaProducer, pool: Pool) =>
        new DeadLettersHandler(config.INGESTION_CONSOLE_DLQ_TOPIC, {
          read: (topic, each) => readTopicToEnd(kafka, topic, (message) => each(readDlqEntry(message))),
          dispositions: new DlqDispositionsRepository(pool),
          produce: async (batches) => {
            await producer.sendBatch(batches);
          },
        }),
    },
  ],
})
export class ConsoleModule {}
