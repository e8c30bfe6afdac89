import { Migration } from '../migration';

/*
 * Provider calls written ahead: the realtime worker records a row for every lane message it is about
 * to call a provider for, in the statement that reads the fetched batch's booked results, and the
 * call's id travels on its result.
 * - The notifier marks a call answered in the statement that books its result (or its extra spend).
 * - A call still unanswered after `expires_at` (its deadline, or the longest a call and its retries
 *   can take) was cut off by a crash: the provider may well have billed it, so the notifier's sweep
 *   books it in `extra_spend` (provider_request_id `sluice-call:<call_id>`) at the cost of the
 *   request's own answer from the same model when there is one, at the router's estimate otherwise,
 *   and sets `swept_at`. A late answer after the sweep replaces that estimate with its actual cost.
 * - A call answered and never swept has closed its bill: the sweep deletes it (by the answered index),
 *   so the table holds open calls and the few swept ones, not a row per call ever made.
 */
export const providerCallsMigration: Migration = {
  id: '014_provider_calls',
  sql: `
create table provider_calls (
  call_id uuid primary key,
  tenant text not null,
  request_id text not null,
  result_id text not null,
  lane text not null check (lane in ('cache', 'realtime', 'async', 'batch')),
  provider text not null,
  model text not null,
  estimated_cost_usd numeric not null check (estimated_cost_usd >= 0),
  started_at timestamptz not null default now(),
  expires_at timestamptz not null,
  answered_at timestamptz,
  swept_at timestamptz
);
create index provider_calls_open_idx on provider_calls (expires_at) where answered_at is null and swept_at is null;
create index provider_calls_answered_idx on provider_calls (answered_at) where answered_at is not null and swept_at is null;
`,
};
