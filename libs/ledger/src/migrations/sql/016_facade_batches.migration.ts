import { Migration } from '../migration';

/*
 * The OpenAI facade's files and batches (ingestion, /openai/v1/files and /batches).
 * - `facade_files`: an uploaded file's metadata; its bytes are in `facade_file_parts`, in parts of
 *   at most a mebibyte written as the upload arrives and read back part by part, so neither an upload
 *   nor a download holds a whole file in memory, and any copy of ingestion serves any file.
 * - `facade_batches`: a batch's own facts (endpoint, input file, window, metadata, its deadline,
 *   cancellation, a validation failure). Its lines are a bulk job of the same id (`jobs`, and
 *   `requests.job_id`), so its progress and results are the job's; output files are made from them
 *   when read, never stored.
 */
export const facadeBatchesMigration: Migration = {
  id: '016_facade_batches',
  sql: `
create table facade_files (
  tenant text not null,
  id text not null,
  purpose text not null,
  filename text not null,
  bytes bigint not null default 0 check (bytes >= 0),
  complete boolean not null default false,
  created_at timestamptz not null default now(),
  primary key (tenant, id)
);

create table facade_file_parts (
  tenant text not null,
  file_id text not null,
  part integer not null check (part >= 0),
  data bytea not null,
  primary key (tenant, file_id, part),
  foreign key (tenant, file_id) references facade_files (tenant, id) on delete cascade
);

create table facade_batches (
  tenant text not null,
  id text not null,
  endpoint text not null,
  input_file_id text not null,
  completion_window text not null,
  metadata jsonb,
  deadline timestamptz not null,
  created_at timestamptz not null default now(),
  cancelled_at timestamptz,
  errors jsonb,
  primary key (tenant, id)
);

create index facade_batches_newest on facade_batches (tenant, created_at desc, id desc);
`,
};
