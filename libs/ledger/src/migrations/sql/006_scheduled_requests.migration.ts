import { Migration } from '../migration';

/*
 * Off-peak holds: a request with a `notBefore` still ahead is routed at once (the decision is
 * recorded on `requests`, status `queued`), but its lane message waits here until `release_at`,
 * when a router publishes it to the lane and marks the row released.
 * - The lane message, provider body included, is stored here, unlike anywhere else in the ledger
 *   (001 keeps only a body hash). A hold lasts hours, possibly days. Kafka cannot hold it for us: the
 *   router commits offsets in order, so leaving the accepted message uncommitted until its window
 *   would stall every request behind it on the partition, and a rebalance would hand it to another
 *   replica anyway; re-reading the accepted topic later would need its retention to outlast every
 *   hold and a scan to find the message. So the accepted offset is committed once this row is
 *   written, and from then on this row is the only copy. The payload lives only as long as the hold:
 *   `message` is nulled when the row is released (the check keeps the two in step), and the row that
 *   remains (ids, lane, times) lets a redelivered accepted message find the hold already done.
 * - Correlation headers are kept so the released message joins the trace of the request it belongs to.
 * - Releasing claims due rows with FOR UPDATE SKIP LOCKED inside the transaction that marks them
 *   released, so router replicas share the work instead of publishing the same row; a replica that
 *   dies mid-release leaves its rows to the others (at-least-once: a repeat carries the same ids).
 * - `attempts`/`last_error`: a message the broker refused is tried again later (`release_at` moves
 *   on), so it cannot hold up the due rows behind it.
 */
export const scheduledRequestsMigration: Migration = {
  id: '006_scheduled_requests',
  sql: `
create table scheduled_lane_messages (
  tenant text not null,
  request_id text not null,
  lane text not null check (lane in ('realtime', 'async', 'batch')),
  release_at timestamptz not null,
  message jsonb,
  correlation_id text,
  traceparent text,
  attempts integer not null default 0,
  last_error text,
  created_at timestamptz not null default now(),
  released_at timestamptz,
  primary key (tenant, request_id),
  constraint scheduled_lane_messages_payload_check check ((released_at is null) = (message is not null))
);
create index scheduled_lane_messages_due_idx on scheduled_lane_messages (release_at) where released_at is null;
`,
};
