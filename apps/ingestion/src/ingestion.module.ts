import { Module } from '@nestjs/common';
import { ConsoleModule } from './console/console.module';
import { IntakeModule } from './intake.module';
import { RequestsConsumer } from './requests/requests.consumer';

/** The ingestion's composition root; the shared service parts come from bootstrapService. */
@Module({ imports: [IntakeModule, ConsoleModule], controllers: [RequestsConsumer] })
export class IngestionModule {}
