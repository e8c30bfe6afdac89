import { Pool } from 'pg';
import { withTransaction } from '../client/database.pool';
import type { NewBatch } from './batches.repository';
import { toInstant } from './row.mapping';

/** A lane message waiting in an open window of the batch-aggregator. */
export interface NewWindowItem {
  /** The id the window's batch will get once the window closes. */
  windowId: string;
  /** The line's custom id in that batch. */
  customId: string;
  tenant: string;
  requestId: string;
  /** The lane message's routing attempt. */
  attempt: number;
  deadline: Date | string | null;
  /** The lane message (LaneRequestV1): what the batch item keeps while its batch is open. */
  payload: unknown;
  /** The request's provider batch line (JSONL, newline included) under `customId`: what the batch input is made of. */
  line: string;
}

/** A lane message found waiting in a window when the aggregator starts: what rebuilding the window needs. */
export interface OpenWindowItem {
  windowId: string;
  customId: string;
  tenant: string;
  requestId: string;
  attempt: number;
  deadline: Date | null;
  /** When the item was first written: a window is as old as its oldest item. */
  createdAt: Date;
  payload: unknown;
}

/** Names one window item; `windowId` keeps a window from taking an item another window has since taken over. */
export interface WindowItemKey {
  windowId: string;
  tenant: string;
  requestId: string;
  attempt: number;
}

/** What closing a window recorded: the items that were not already in a batch. */
export interface ClosedWindowBatch {
  id: string;
  requestCount: number;
}

/**
 * The open windows' requests (see 008_batch_window_items). The aggregator writes them as it reads
 * them, commits their offsets once written and keeps only their sizes in memory; the database turns
 * a closed window into a batch, and a restarted aggregator rebuilds its windows from here.
 */
export class BatchWindowsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Puts lane messages into their windows, in one statement. A lane message already in the table (a
   * redelivery after a crash or a rebalance) moves to the window given now, which is the only one
   * still waiting for it. The keys must be distinct within one call.
   */
  async add(items: readonly NewWindowItem[]): Promise<void> {
    if (items.length === 0) return;
    // One JSON text parameter for the whole batch: a text[] of lane messages costs pg an escaping pass
    // over every character of every element, and the database an array parse on top of the JSON one.
    const rows = items.map((i) => ({
      t: i.tenant,
      r: i.requestId,
      a: i.attempt,
      w: i.windowId,
      c: i.customId,
      d: toInstant(i.deadline),
      p: i.payload,
      l: i.line,
    }));
    await this.pool.query(
      `insert into batch_window_items as w (tenant, request_id, attempt, window_id, custom_id, deadline, payload, line)
       select t, r, a, w, c, d, p, l from json_to_recordset($1::json) as x(t text, r text, a int, w text, c text, d timestamptz, p jsonb, l text)
       on conflict (tenant, request_id, attempt) do update set window_id = excluded.window_id, custom_id = excluded.custom_id, line = excluded.line
        where (w.window_id, w.custom_id) is distinct from (excluded.window_id, excluded.custom_id)`,
      [JSON.stringify(rows)],
    );
  }

  /**
   * Every item still waiting in a window, a page at a time and a window's items together (ordered by
   * window id): their offsets were committed once they were written, so this table, not Kafka, is what
   * a restarted aggregator rebuilds its windows from.
   */
  async *openItems(pageSize = 1_000): AsyncGenerator<OpenWindowItem[]> {
    let after: [string, string, string, number] = ['', '', '', 0];
    for (;;) {
      const { rows } = await this.pool.query<{
        window_id: string;
        custom_id: string;
        tenant: string;
        request_id: string;
        attempt: number;
        deadline: Date | null;
        created_at: Date;
        payload: unknown;
      }>(
        `select window_id, custom_id, tenant, request_id, attempt, deadline, created_at, payload from batch_window_items
          where (window_id, tenant, request_id, attempt) > ($1, $2, $3, $4)
          order by window_id, tenant, request_id, attempt
          limit $5`,
        [...after, pageSize],
      );
      if (rows.length > 0) {
        yield rows.map((r) => ({
          windowId: r.window_id,
          customId: r.custom_id,
          tenant: r.tenant,
          requestId: r.request_id,
          attempt: r.attempt,
          deadline: r.deadline,
          createdAt: r.created_at,
          payload: r.payload,
        }));
      }
      if (rows.length < pageSize) return;
      const last = rows[rows.length - 1]!;
      after = [last.window_id, last.tenant, last.request_id, last.attempt];
    }
  }

  /**
   * Turns the window `batch.id` into that batch, atomically and without its items leaving the
   * database: the batch row, its items (those not already in a batch: a redelivered lane message is
   * never submitted twice), and the window's rows deleted. Undefined (nothing recorded) when the batch
   * id was recorded before or every item was already in a batch.
   */
  async close(batch: NewBatch, expectedCount: number): Promise<ClosedWindowBatch | undefined> {
    return withTransaction(this.pool, async (client) => {
      const inserted = await client.query(
        `insert into batches (id, provider, operation, model, request_count, bytes, earliest_deadline)
         values ($1, $2, $3, $4, $5, $6, $7)
         on conflict (id) do nothing`,
        [batch.id, batch.provider, batch.operation, batch.model, Math.max(1, expectedCount), batch.bytes, toInstant(batch.earliestDeadline)],
      );
      if (inserted.rowCount !== 1) return undefined;
      const { rows } = await client.query<{ n: string }>(
        `with moved as (
           insert into batch_items (batch_id, custom_id, tenant, request_id, attempt, deadline, payload, line)
           select window_id, custom_id, tenant, request_id, attempt, deadline, payload, line from batch_window_items where window_id = $1
           on conflict (tenant, request_id, attempt) do nothing
           returning 1
         ), cleared as (delete from batch_window_items where window_id = $1)
         select count(*) as n from moved`,
        [batch.id],
      );
      const requestCount = Number(rows[0]!.n);
      if (requestCount === 0) {
        await client.query('delete from batches where id = $1', [batch.id]);
        return undefined;
      }
      if (requestCount !== expectedCount) await client.query('update batches set request_count = $2 where id = $1', [batch.id, requestCount]);
      return { id: batch.id, requestCount };
    });
  }

  /**
   * Takes requests out of their windows (they leave the batch lane) and hands their lane messages to
   * `use` (escalating them) before the removal commits: their offsets are committed, so these rows
   * are all there is of them, and should `use` fail or the process die the requests stay in their
   * windows. A key whose item has moved to another window since is left alone. Returns how many were taken.
   */
  async take(keys: readonly WindowItemKey[], use: (payloads: unknown[]) => Promise<void>): Promise<number> {
    if (keys.length === 0) return 0;
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ payload: unknown }>(
        `delete from batch_window_items w
          using unnest($1::text[], $2::text[], $3::int[], $4::text[]) as k(tenant, request_id, attempt, window_id)
          where w.tenant = k.tenant and w.request_id = k.request_id and w.attempt = k.attempt and w.window_id = k.window_id
          returning w.payload`,
        [keys.map((k) => k.tenant), keys.map((k) => k.requestId), keys.map((k) => k.attempt), keys.map((k) => k.windowId)],
      );
      const payloads = rows.map((r) => r.payload);
      if (payloads.length > 0) await use(payloads);
      return payloads.length;
    });
  }
}
