import { Migration } from '../migration';

/*
 * Bulk jobs and the cost report.
 * - `jobs`: one row per POST /v1/jobs upload, keyed (tenant, id) like requests, so a client that
 *   names its job can post the same file again without creating anything twice. `options` is what
 *   the client asked for (`deadline=6h`), `defaults` what it was resolved to when the job was first
 *   created (an absolute deadline): a re-post reuses `defaults`, so its lines carry the same content
 *   and are recognised as duplicates. `lines` and `invalid_lines` are written as the upload is read,
 *   so they are current while it is still `receiving`.
 * - `requests.job_id`/`job_line`: a job's requests are ordinary requests (they are routed, batched
 *   and booked like any other); the reference makes progress an aggregate over one index and the
 *   results a walk in line order. The index carries `status` and `lane`, so progress is read from the
 *   index alone where the visibility map allows. `status` is already indexed (the open-deadline
 *   index's predicate), so including it costs no HOT updates that were not already lost.
 * - `job_line_errors`: lines that were refused, one row per problem. They are not requests (nothing
 *   was recorded for them), and a million-line upload can have many, so they are kept here to be read
 *   back in pages rather than all returned at once.
 * - The cost report reads `request_results` (every billed result) and `completions` (one per
 *   request) by tenant and completion time; neither had an index for that.
 */
export const jobsMigration: Migration = {
  id: '007_jobs',
  sql: `
create table jobs (
  tenant text not null,
  id text not null,
  status text not null default 'receiving' check (status in ('receiving', 'received', 'interrupted')),
  options jsonb not null,
  defaults jsonb not null,
  lines integer not null default 0,
  invalid_lines integer not null default 0,
  created_at timestamptz not null default now(),
  received_at timestamptz,
  updated_at timestamptz not null default now(),
  primary key (tenant, id)
);

alter table requests
  add column job_id text,
  add column job_line integer,
  add constraint requests_job_check check ((job_id is null) = (job_line is null));
create index requests_job_idx on requests (tenant, job_id, job_line) include (status, lane) where job_id is not null;

create table job_line_errors (
  tenant text not null,
  job_id text not null,
  line integer not null,
  seq smallint not null,
  request_id text not null,
  code text not null,
  message text not null,
  field text not null,
  primary key (tenant, job_id, line, seq)
);

create index request_results_tenant_completed_idx on request_results (tenant, completed_at);
create index completions_tenant_completed_idx on completions (tenant, completed_at);
`,
};
