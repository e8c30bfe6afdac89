import { Migration } from '../migration';

/*
 * A batch item's `traceparent`: the W3C trace context its lane message carried (the router's routing
 * span). A batch answers hours after the lane message's offset was committed, so the ledger is where the
 * aggregator finds the trace to hang the result's span on; null for items written before tracing, or
 * by a router that sent none.
 */
export const batchItemTracesMigration: Migration = {
  id: '017_batch_item_traces',
  sql: `
alter table batch_items add column traceparent text;
`,
};
