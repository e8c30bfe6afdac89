import { Migration } from '../migration';

/*
 * Provider calls that were billed but whose answer is not a result of its own.
 * - A lane message redelivered before its result was booked (a crash between the provider call and
 *   the offset commit) is answered by a second call: its result has the same result id as the first,
 *   so `request_results` keeps one of them, and the other call's spend would be lost. It is booked
 *   here instead, so what providers billed equals `request_results` plus this table.
 * - Keyed by the request and the provider's id of the call: handling the same result message again
 *   books nothing more, a third call books one row more.
 * - `result_id` says which result the call duplicated; the call's lane, model, tokens and cost are
 *   copies, so the cost report reads this table alone.
 */
export const extraSpendMigration: Migration = {
  id: '010_extra_spend',
  sql: `
create table extra_spend (
  tenant text not null,
  request_id text not null,
  provider_request_id text not null,
  result_id text not null,
  lane text not null check (lane in ('cache', 'realtime', 'async', 'batch')),
  provider text not null,
  model text not null,
  input_tokens integer not null default 0,
  output_tokens integer not null default 0,
  cached_input_tokens integer not null default 0,
  cost_usd numeric not null check (cost_usd >= 0),
  completed_at timestamptz not null,
  recorded_at timestamptz not null default now(),
  primary key (tenant, request_id, provider_request_id)
);
create index extra_spend_tenant_completed_idx on extra_spend (tenant, completed_at);
`,
};
