import { Migration } from '../migration';

/*
 * Design notes (the why; the SQL says the what):
 * - Closed value sets are text columns with CHECK constraints rather than enum types: widening a
 *   CHECK is one transactional statement, while enum values can never be removed.
 * - Money is `numeric`: per-request costs are fractions of a cent, and the savings report sums
 *   millions of them; floating point would drift.
 * - Requests are keyed (tenant, id) because the idempotency promise is "an id is accepted once per
 *   tenant"; two tenants may reuse the same id. There is deliberately no foreign key to `tenants`:
 *   Kafka producers are trusted upstream services that name their tenant, and only the HTTP API
 *   authenticates against `tenants`/`api_keys`.
 * - `body_hash` lets a replayed request (same id, same body) be told apart from a conflicting reuse
 *   of the id, without keeping provider bodies (possibly large, possibly sensitive) in the ledger.
 * - `request_results` records every result a provider produced, `completions` the one that was
 *   delivered. The deadline guard can make two lanes answer the same request: both are billed and
 *   recorded, the primary key on `completions` makes delivery happen once.
 * - `batch_items` has no foreign key to `requests`: a million-item batch is recorded in bulk inside
 *   the aggregator's commit path, and a per-row key lookup there buys nothing, since the requests
 *   row was written by ingestion before the request could reach a lane.
 * - Partial indexes cover the scans the workers repeat (due webhooks, open batches, items waiting
 *   on a deadline); terminal rows, the vast majority, never enter them.
 */
export const initialMigration: Migration = {
  id: '001_initial',
  sql: `
create table tenants (
  id text primary key check (id ~ '^[a-z0-9][a-z0-9_-]{0,63}$'),
  name text not null,
  created_at timestamptz not null default now(),
  disabled_at timestamptz
);

-- API keys are random and high-entropy, so a fast sha256 is as safe as a slow KDF here and keeps
-- the per-request lookup cheap; the prefix is what operators see to tell keys apart.
create table api_keys (
  id bigint generated always as identity primary key,
  tenant_id text not null references tenants (id),
  prefix text not null unique,
  key_hash text not null unique check (key_hash ~ '^[0-9a-f]{64}$'),
  label text,
  created_at timestamptz not null default now(),
  last_used_at timestamptz,
  revoked_at timestamptz
);
create index api_keys_tenant_idx on api_keys (tenant_id);

create table requests (
  tenant text not null,
  id text not null,
  body_hash text not null,
  provider text not null check (provider in ('openai', 'anthropic')),
  operation text not null check (operation in ('chat', 'embedding')),
  model text not null,
  mode text not null check (mode in ('auto', 'realtime', 'async', 'batch')),
  status text not null default 'accepted'
    check (status in ('accepted', 'routed', 'queued', 'batched', 'submitted', 'escalated', 'succeeded', 'failed')),
  lane text check (lane in ('cache', 'realtime', 'async', 'batch')),
  decision_reason text,
  estimated_cost_usd numeric,
  realtime_cost_usd numeric,
  cost_usd numeric,
  saved_usd numeric,
  deadline timestamptz,
  not_before timestamptz,
  received_at timestamptz not null,
  routed_at timestamptz,
  completed_at timestamptz,
  deadline_met boolean,
  result_id text,
  error_code text,
  -- The result message does not repeat where it should go; the notifier reads it from here.
  reply_to text,
  webhook_url text,
  metadata jsonb not null default '{}'::jsonb,
  updated_at timestamptz not null default now(),
  primary key (tenant, id)
);
create index requests_open_deadline_idx on requests (deadline)
  where status not in ('succeeded', 'failed') and deadline is not null;
create index requests_received_at_idx on requests (received_at);

create table request_results (
  result_id text primary key,
  tenant text not null,
  request_id text not null,
  status text not null check (status in ('succeeded', 'failed')),
  lane text not null check (lane in ('cache', 'realtime', 'async', 'batch')),
  provider text not null,
  model text not null,
  input_tokens integer not null default 0,
  output_tokens integer not null default 0,
  cached_input_tokens integer not null default 0,
  cost_usd numeric not null default 0,
  error_code text,
  provider_request_id text,
  completed_at timestamptz not null,
  recorded_at timestamptz not null default now()
);
create index request_results_request_idx on request_results (tenant, request_id);

create table completions (
  tenant text not null,
  request_id text not null,
  result_id text not null references request_results (result_id),
  status text not null check (status in ('succeeded', 'failed')),
  lane text not null check (lane in ('cache', 'realtime', 'async', 'batch')),
  provider text not null,
  model text not null,
  cost_usd numeric not null,
  realtime_cost_usd numeric not null,
  saved_usd numeric not null,
  received_at timestamptz not null,
  completed_at timestamptz not null,
  deadline timestamptz,
  deadline_met boolean,
  booked_at timestamptz not null default now(),
  primary key (tenant, request_id)
);
-- Learned lane estimates read the recent completion latencies per (provider, model, lane).
create index completions_estimate_idx on completions (provider, model, lane, completed_at);

create table batches (
  id text primary key,
  provider text not null check (provider in ('openai', 'anthropic')),
  operation text not null check (operation in ('chat', 'embedding')),
  model text not null,
  -- Null until the provider has accepted the batch; recording first is what makes a crash between
  -- "recorded" and "submitted" recoverable instead of a duplicate submission.
  provider_batch_id text unique,
  input_file_id text,
  output_file_id text,
  error_file_id text,
  status text not null default 'pending'
    check (status in ('pending', 'submitted', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelled')),
  request_count integer not null check (request_count > 0),
  succeeded_count integer not null default 0,
  failed_count integer not null default 0,
  expired_count integer not null default 0,
  bytes bigint not null default 0,
  earliest_deadline timestamptz,
  created_at timestamptz not null default now(),
  submitted_at timestamptz,
  last_polled_at timestamptz,
  completed_at timestamptz,
  error text
);
create index batches_open_idx on batches (created_at)
  where status in ('pending', 'submitted', 'in_progress', 'finalizing');

create table batch_items (
  batch_id text not null references batches (id) on delete cascade,
  custom_id text not null,
  tenant text not null,
  request_id text not null,
  status text not null default 'pending'
    check (status in ('pending', 'succeeded', 'failed', 'expired', 'cancelled', 'escalated')),
  deadline timestamptz,
  result_id text,
  error_code text,
  updated_at timestamptz not null default now(),
  primary key (batch_id, custom_id)
);
create index batch_items_request_idx on batch_items (tenant, request_id);
create index batch_items_pending_deadline_idx on batch_items (deadline)
  where status = 'pending' and deadline is not null;

-- The cache never crosses tenants: the key is the tenant plus the hash of the request content.
create table cache_entries (
  tenant text not null,
  content_hash text not null,
  provider text not null,
  model text not null,
  result jsonb not null,
  source_request_id text not null,
  hits bigint not null default 0,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (tenant, content_hash)
);
create index cache_entries_expires_idx on cache_entries (expires_at);

create table webhook_deliveries (
  event_id text primary key,
  tenant text not null,
  request_id text not null,
  url text not null,
  payload jsonb not null,
  status text not null default 'pending' check (status in ('pending', 'delivered', 'dead')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  last_status_code integer,
  last_error text,
  created_at timestamptz not null default now(),
  delivered_at timestamptz
);
create index webhook_deliveries_due_idx on webhook_deliveries (next_attempt_at) where status = 'pending';
create index webhook_deliveries_request_idx on webhook_deliveries (tenant, request_id);
`,
};
