import { Migration } from '../migration';

/*
 * The batch-aggregator's open windows become batches in status `open`, and a request waiting in one
 * is a batch item from the start (replacing 008's `batch_window_items`).
 * - Closing a window was a copy of every one of its rows into `batch_items` and a delete of them all,
 *   in the transaction that recorded the batch: two writes of every lane message, on the path of every
 *   submission. Now the items are written once, as they are read, under the window's batch id, and
 *   closing a window is an update of its batch row (`open` → `pending`, with its count and bytes).
 * - A batch in `open` is a window still filling: no provider has it, the tracker does not take it
 *   (`listUnresolved` leaves it out), its items are not the deadline guard's (the aggregator's windows
 *   watch their own deadlines), and a restarted aggregator adopts it as a window again. Its
 *   `request_count` is a placeholder until it closes.
 * - `batch_items.line`: the request's provider batch line (JSONL, newline included), built as the lane
 *   message is read to size the window; the batch input is these lines joined, with no lane message
 *   parsed and serialised again at submit time. An item without one (written before this migration, or
 *   by a path that builds none) has its line built from its lane message when its batch is submitted.
 * - Windows an earlier aggregator left in `batch_window_items` move over as open batches. The emptied
 *   table stays for now: an aggregator of the earlier version still running against this database
 *   (a rolling upgrade, or another checkout sharing a development database) writes there and would
 *   fail without it. Nothing reads it any more; a later migration drops it.
 */
export const openBatchesMigration: Migration = {
  id: '013_open_batches',
  sql: `
alter table batches drop constraint batches_status_check;
alter table batches add constraint batches_status_check
  check (status in ('open', 'pending', 'submitted', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelled'));
alter table batch_items add column line text;

insert into batches (id, provider, operation, model, request_count, status, created_at)
select window_id, min(payload #>> '{request,provider}'), min(payload #>> '{request,operation}'), min(payload #>> '{request,body,model}'),
       count(*), 'open', min(created_at)
  from batch_window_items group by window_id
on conflict (id) do nothing;
insert into batch_items (batch_id, custom_id, tenant, request_id, attempt, deadline, payload)
select w.window_id, w.custom_id, w.tenant, w.request_id, w.attempt, w.deadline, w.payload
  from batch_window_items w join batches b on b.id = w.window_id and b.status = 'open'
on conflict do nothing;
delete from batch_window_items;
`,
};
