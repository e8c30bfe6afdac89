import { Migration } from '../migration';

/*
 * The provider batch line of each waiting request, kept beside its lane message.
 * - The aggregator builds a request's line (JSONL, newline included) as it reads the lane message, to
 *   size its window; kept from then on, the batch input is the lines read back as text and joined, with
 *   no lane message parsed and serialised again per request at submit time.
 * - `batch_window_items.line` moves into `batch_items.line` when a window becomes its batch. A row
 *   without one (written before this migration, or by a path that builds no line) has its line built
 *   from the lane message when the batch is submitted, as before.
 */
export const batchItemLinesMigration: Migration = {
  id: '013_batch_item_lines',
  sql: `
alter table batch_window_items add column line text;
alter table batch_items add column line text;
`,
};
