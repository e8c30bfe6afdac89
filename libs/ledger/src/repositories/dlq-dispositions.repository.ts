import { Pool } from 'pg';
import { withTransaction } from '../client/database.pool';

export type DlqDisposition = 'replayed' | 'dropped';

/** One entry of a dead-letter topic, by its place there. */
export interface DlqEntryRef {
  partition: number;
  /** Decimal, as Kafka offsets are 64-bit. */
  offset: string;
  originalTopic: string;
  errorCode: string;
}

export interface DlqLowWatermark {
  partition: number;
  /** The earliest offset the topic still holds. */
  low: string;
}

/** `<partition>:<offset>`, the key of `DlqDispositionsRepository.forTopic`'s map. */
export function dlqEntryKey(partition: number, offset: string): string {
  return `${partition}:${offset}`;
}

/** Which dead-letter entries were replayed or dropped (see 009_dlq_dispositions). */
export class DlqDispositionsRepository {
  constructor(private readonly pool: Pool) {}

  /** Every settled entry of the topic, by `dlqEntryKey`. */
  async forTopic(dlqTopic: string): Promise<Map<string, DlqDisposition>> {
    const { rows } = await this.pool.query<{ dlq_partition: number; dlq_offset: string; disposition: DlqDisposition }>(
      'select dlq_partition, dlq_offset, disposition from dlq_dispositions where dlq_topic = $1',
      [dlqTopic],
    );
    return new Map(rows.map((row) => [dlqEntryKey(row.dlq_partition, row.dlq_offset), row.disposition]));
  }

  /**
   * Settles the entries no one settled before and runs `act` on them inside the same transaction: if
   * `act` throws, none of them is recorded. A concurrent call waits on the rows and then skips them.
   * Resolves with the entries claimed here.
   */
  async settle<T extends DlqEntryRef>(
    dlqTopic: string,
    disposition: DlqDisposition,
    entries: readonly T[],
    act: (claimed: T[]) => Promise<void> = async () => {},
  ): Promise<T[]> {
    if (entries.length === 0) return [];
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ dlq_partition: number; dlq_offset: string }>(
        `insert into dlq_dispositions (dlq_topic, dlq_partition, dlq_offset, disposition, original_topic, error_code)
         select $1, e.dlq_partition, e.dlq_offset, $2, e.original_topic, e.error_code
         from unnest($3::integer[], $4::bigint[], $5::text[], $6::text[]) as e(dlq_partition, dlq_offset, original_topic, error_code)
         on conflict do nothing
         returning dlq_partition, dlq_offset`,
        [
          dlqTopic,
          disposition,
          entries.map((entry) => entry.partition),
          entries.map((entry) => entry.offset),
          entries.map((entry) => entry.originalTopic),
          entries.map((entry) => entry.errorCode),
        ],
      );
      const inserted = new Set(rows.map((row) => dlqEntryKey(row.dlq_partition, row.dlq_offset)));
      const claimed = entries.filter((entry) => inserted.has(dlqEntryKey(entry.partition, entry.offset)));
      if (claimed.length > 0) await act(claimed);
      return claimed;
    });
  }

  /** How many settled entries the topic still holds (at or after each partition's low watermark). */
  async countRetained(dlqTopic: string, lows: readonly DlqLowWatermark[]): Promise<number> {
    if (lows.length === 0) return 0;
    const { rows } = await this.pool.query<{ count: string }>(
      `select count(*) as count from dlq_dispositions d
       join unnest($2::integer[], $3::bigint[]) as w(dlq_partition, low) on d.dlq_partition = w.dlq_partition and d.dlq_offset >= w.low
       where d.dlq_topic = $1`,
      [dlqTopic, lows.map((low) => low.partition), lows.map((low) => low.low)],
    );
    return Number(rows[0].count);
  }
}
