import { Migration } from '../migration';

/*
 * Coalescing of identical requests in flight. The first request with a given content (per cache
 * scope) becomes the leader and goes to a provider; identical requests arriving before its result
 * join as followers and are answered from the leader's result. The leader row is locked while a
 * follower joins and deleted, with its followers, when the result is booked, so a follower can never
 * join a leader that has already been answered (it finds the cache entry instead).
 * `scope` is the tenant, or '*' for tenants whose policy shares the cache.
 */
export const coalescingMigration: Migration = {
  id: '002_coalescing',
  sql: `
create table inflight_requests (
  scope text not null,
  content_hash text not null,
  leader_tenant text not null,
  leader_request_id text not null,
  started_at timestamptz not null default now(),
  primary key (scope, content_hash)
);

create table coalesced_requests (
  tenant text not null,
  request_id text not null,
  scope text not null,
  content_hash text not null,
  joined_at timestamptz not null default now(),
  primary key (tenant, request_id)
);
create index coalesced_requests_key_idx on coalesced_requests (scope, content_hash);
`,
};
