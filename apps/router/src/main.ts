import { AcceptedRequestV1, Topics } from '@sluice/contracts';
import { bootstrapService } from '@sluice/observability';
import { RouterConfig } from './router.config';
import { RouterModule } from './router.module';

void bootstrapService({
  name: 'router',
  module: RouterModule,
  config: RouterConfig,
  consumes: { [Topics.Accepted]: AcceptedRequestV1, [Topics.AcceptedUrgent]: AcceptedRequestV1 },
});
