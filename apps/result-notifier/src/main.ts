import { InferenceResultV1, Topics } from '@sluice/contracts';
import { bootstrapService } from '@sluice/observability';
import { ResultNotifierConfig } from './result-notifier.config';
import { ResultNotifierModule } from './result-notifier.module';

void bootstrapService({
  name: 'result-notifier',
  module: ResultNotifierModule,
  config: ResultNotifierConfig,
  consumes: { [Topics.Results]: InferenceResultV1 },
});
