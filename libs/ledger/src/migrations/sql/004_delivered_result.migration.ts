import { Migration } from '../migration';

/*
 * `completions.result`: the delivered InferenceResultV1, as booked. It is what the tenant reads back
 * (GET /v1/requests/:id, and the `result` event of an events stream opened after the result went
 * by): the results topic is retained only for a while and is keyed for consumers, not for lookups,
 * so the ledger is the one place a late reader can get the answer from.
 * It lives on `completions` rather than `request_results` because only the delivered result may be
 * read back: a result that lost the race is recorded and billed, never shown. The table's key
 * (tenant, request_id) scopes it to its tenant; a lookup always names both.
 * Null for completions booked before this migration.
 */
export const deliveredResultMigration: Migration = {
  id: '004_delivered_result',
  sql: `
alter table completions add column result jsonb;
`,
};
