import { Pool } from 'pg';
import { ApiKeysRepository } from './api-keys.repository';
import { BatchesRepository } from './batches.repository';
import { BatchWindowsRepository } from './batch-windows.repository';
import { CacheRepository } from './cache.repository';
import { CoalescingRepository } from './coalescing.repository';
import { CompletionsRepository } from './completions.repository';
import { DlqDispositionsRepository } from './dlq-dispositions.repository';
import { FacadeBatchesRepository } from './facade-batches.repository';
import { JobsRepository } from './jobs.repository';
import { RequestsRepository } from './requests.repository';
import { ScheduledLaneMessagesRepository } from './scheduled-lane-messages.repository';
import { TenantsRepository } from './tenants.repository';
import { WebhookDeliveriesRepository } from './webhook-deliveries.repository';
import { WebhookSecretsRepository } from './webhook-secrets.repository';

export interface LedgerRepositories {
  requests: RequestsRepository;
  completions: CompletionsRepository;
  batches: BatchesRepository;
  batchWindows: BatchWindowsRepository;
  cache: CacheRepository;
  coalescing: CoalescingRepository;
  webhookDeliveries: WebhookDeliveriesRepository;
  scheduledLaneMessages: ScheduledLaneMessagesRepository;
  tenants: TenantsRepository;
  apiKeys: ApiKeysRepository;
  jobs: JobsRepository;
  dlqDispositions: DlqDispositionsRepository;
  webhookSecrets: WebhookSecretsRepository;
  facadeBatches: FacadeBatchesRepository;
}

/** Every repository over one pool, for a composition root to hand out. */
export function createRepositories(pool: Pool): LedgerRepositories {
  return {
    requests: new RequestsRepository(pool),
    completions: new CompletionsRepository(pool),
    batches: new BatchesRepository(pool),
    batchWindows: new BatchWindowsRepository(pool),
    cache: new CacheRepository(pool),
    coalescing: new CoalescingRepository(pool),
    webhookDeliveries: new WebhookDeliveriesRepository(pool),
    scheduledLaneMessages: new ScheduledLaneMessagesRepository(pool),
    tenants: new TenantsRepository(pool),
    apiKeys: new ApiKeysRepository(pool),
    jobs: new JobsRepository(pool),
    facadeBatches: new FacadeBatchesRepository(pool),
    dlqDispositions: new DlqDispositionsRepository(pool),
    webhookSecrets: new WebhookSecretsRepository(pool),
  };
}
