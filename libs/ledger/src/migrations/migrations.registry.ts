import { Migration } from './migration';
import { initialMigration } from './sql/001_initial.migration';
import { coalescingMigration } from './sql/002_coalescing.migration';
import { resultDeliveryMigration } from './sql/003_result_delivery.migration';
import { deliveredResultMigration } from './sql/004_delivered_result.migration';
import { batchLaneMigration } from './sql/005_batch_lane.migration';
import { scheduledRequestsMigration } from './sql/006_scheduled_requests.migration';
import { jobsMigration } from './sql/007_jobs.migration';
import { batchWindowItemsMigration } from './sql/008_batch_window_items.migration';
import { dlqDispositionsMigration } from './sql/009_dlq_dispositions.migration';
import { extraSpendMigration } from './sql/010_extra_spend.migration';
import { webhookSecretsMigration } from './sql/011_webhook_secrets.migration';
import { tenantPoliciesMigration } from './sql/012_tenant_policies.migration';
import { openBatchesMigration } from './sql/013_open_batches.migration';
import { providerCallsMigration } from './sql/014_provider_calls.migration';
import { expectedCostRoutingMigration } from './sql/015_expected_cost_routing.migration';
import { facadeBatchesMigration } from './sql/016_facade_batches.migration';
import { batchItemTracesMigration } from './sql/017_batch_item_traces.migration';

/** Every migration, in the order it is applied. Append only. */
export const MIGRATIONS: readonly Migration[] = [
  initialMigration,
  coalescingMigration,
  resultDeliveryMigration,
  deliveredResultMigration,
  batchLaneMigration,
  scheduledRequestsMigration,
  jobsMigration,
  batchWindowItemsMigration,
  dlqDispositionsMigration,
  extraSpendMigration,
  webhookSecretsMigration,
  tenantPoliciesMigration,
  openBatchesMigration,
  providerCallsMigration,
  expectedCostRoutingMigration,
  facadeBatchesMigration,
  batchItemTracesMigration,
];
