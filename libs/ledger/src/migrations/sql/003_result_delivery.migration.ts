import { Migration } from '../migration';

/*
 * What the result notifier needs to finish a request.
 * - `requests.cache_scope`/`cache_content_hash`: the key the router claimed the request under
 *   (coalescing.claimOrJoin), set only when the request may use the cache. A result does not carry
 *   the request body, so without it the notifier could neither store the answer nor find the
 *   identical requests waiting on it. Both or neither: half a key would match nothing.
 * - `completions.published_at`: when the completion's event, replyTo copy and webhook were handed
 *   off. Booking and publishing cannot share one transaction (Kafka is not PostgreSQL), so a result
 *   seen again after booking is published again only while this is null: a crash between the two
 *   repeats the publication (same ids), a mere duplicate result does not.
 */
export const resultDeliveryMigration: Migration = {
  id: '003_result_delivery',
  sql: `
alter table requests
  add column cache_scope text,
  add column cache_content_hash text,
  add constraint requests_cache_key_check check ((cache_scope is null) = (cache_content_hash is null));

alter table completions add column published_at timestamptz;
`,
};
