import { Migration } from '../migration';

/*
 * The batch-aggregator's open windows, in the ledger instead of its memory.
 * - `batch_window_items`: one row per lane message waiting in an open window, written on intake (one
 *   statement per fetched batch) with the lane message, so the aggregator keeps only window sizes in
 *   memory and a window of any size is turned into a batch by the database itself (insert … select
 *   into `batch_items`, then delete). `window_id` is the id the window's batch will get. Keyed like
 *   `batch_items` (tenant, request id, routing attempt): a lane message redelivered (written, but its
 *   offset not yet committed when the aggregator died or lost the partition) is moved to the window of
 *   the aggregator that reads it now, so it is in exactly one window; one already in a batch is left
 *   out by `batch_items`' own key when its window closes.
 * - Once a row is written its offset is committed: the rows are the open windows' only durable copy,
 *   and an aggregator rebuilds its windows from them when it starts. Closing a window deletes them in
 *   the same transaction that records the batch, and a request escalated from a window is deleted as
 *   it goes.
 */
export const batchWindowItemsMigration: Migration = {
  id: '008_batch_window_items',
  sql: `
create table batch_window_items (
  tenant text not null,
  request_id text not null,
  attempt integer not null check (attempt between 1 and 1000),
  window_id text not null,
  custom_id text not null,
  deadline timestamptz,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  primary key (tenant, request_id, attempt)
);
create index batch_window_items_window_idx on batch_window_items (window_id);
`,
};
