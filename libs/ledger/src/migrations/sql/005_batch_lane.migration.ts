import { Migration } from '../migration';

/*
 * What the batch-aggregator needs to keep its promises across crashes (the why; the SQL says the what):
 * - `batch_items.attempt`: the lane message's routing attempt for items taken from the lane topic,
 *   counted up for resubmissions. Unique per (tenant, request_id, attempt): a lane message that is
 *   redelivered after a crash (its offset was not committed yet) or consumed by two aggregators
 *   around a rebalance finds its item already recorded and is not submitted a second time.
 * - `batch_items.payload`: the lane message (LaneRequestV1, provider body included) while its batch
 *   is open. A batch input is built from it (also after a crash between recording and submitting),
 *   and the deadline guard and the resubmission of expired lines need the body long after the Kafka
 *   offset was committed. Anthropic cannot give a batch's requests back, so the ledger keeps them;
 *   the payload is cleared as soon as the item is resolved, so bodies stay only as long as needed.
 * - `batches.submit_started_at`: when the provider was last asked to create the batch. A crash
 *   between the provider's answer and `markSubmitted` leaves the batch pending; recovery looks for it
 *   among the provider's batches created after this instant before it submits again.
 * - `batches.resolved_at`: every item's result has been published (or the item was resubmitted or
 *   escalated). A terminal batch without it is resumed after a restart.
 */
export const batchLaneMigration: Migration = {
  id: '005_batch_lane',
  sql: `
alter table batch_items add column attempt integer not null default 1 check (attempt between 1 and 1000);
alter table batch_items add column payload jsonb;
create unique index batch_items_attempt_idx on batch_items (tenant, request_id, attempt);
drop index batch_items_request_idx;

alter table batches add column submit_started_at timestamptz;
alter table batches add column resolved_at timestamptz;
create index batches_unresolved_idx on batches (created_at) where resolved_at is null;
`,
};
