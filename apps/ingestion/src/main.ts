import { Topics } from '@sluice/contracts';
import { bootstrapService } from '@sluice/observability';
import { IngestionConfig } from './ingestion.config';
import { IngestionModule } from './ingestion.module';
import { RawRequestMessage } from './requests/raw-request.message';

void bootstrapService({
  name: 'ingestion',
  module: IngestionModule,
  config: IngestionConfig,
  // Not InferenceRequestV1: ingestion validates requests itself, to reject them by field (see RawRequestMessage).
  consumes: { [Topics.Requests]: RawRequestMessage },
});
