import { Migration } from '../migration';

/*
 * What operators did with dead-lettered messages (`npx sluice dlq replay|drop`).
 * - Kafka cannot delete one record, so the dead-letter topic keeps every entry until retention; this
 *   table says which of them are settled: `replayed` (produced back to its original topic) or
 *   `dropped` (given up on). An entry is settled once: the key is the entry's place in the topic, and a
 *   replay claims its rows in the transaction that stays open while it produces, so a second or
 *   concurrent replay skips them.
 * - `dlq_topic` is part of the key: tests and other environments use DLQ topics of their own.
 * - `original_topic` and `error_code` are copies, for reading the table without the topic (which may
 *   have been trimmed by retention).
 */
export const dlqDispositionsMigration: Migration = {
  id: '009_dlq_dispositions',
  sql: `
create table dlq_dispositions (
  dlq_topic text not null,
  dlq_partition integer not null check (dlq_partition >= 0),
  dlq_offset bigint not null check (dlq_offset >= 0),
  disposition text not null check (disposition in ('replayed', 'dropped')),
  original_topic text not null,
  error_code text not null,
  settled_at timestamptz not null default now(),
  primary key (dlq_topic, dlq_partition, dlq_offset)
);
`,
};
