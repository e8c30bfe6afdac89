import type { Operation, Provider } from '@sluice/contracts';
import { Pool } from 'pg';
import { withTransaction } from '../client/database.pool';
import type { NewBatch } from './batches.repository';
import { toInstant } from './row.mapping';

/** A lane message waiting in an open window of the batch-aggregator. */
export interface NewWindowItem {
  /** The id the window's batch will get once the window closes. */
  windowId: string;
  /** The window's provider, operation and model: what its batch is opened with. */
  provider: Provider;
  operation: Operation;
  model: string;
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
  /** The lane message's trace context, for the span of its answer (see 017_batch_item_traces). */
  traceparent?: string | null;
}

/** A lane message found waiting in a window when the aggregator starts: what rebuilding the window needs. */
export interface OpenWindowItem {
  windowId: string;
  customId: string;
  tenant: string;
  requestId: string;
  attempt: number;
  deadline: Date | null;
  /** When the window opened: a window keeps its age across a restart. */
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
 * The open windows (see 013_open_batches): a window is a batch in status `open`, and a request waiting
 * in it is already its batch item. The aggregator writes them as it reads them, commits their offsets
 * once written and keeps only their sizes in memory; closing a window is an update of its batch row,
 * and a restarted aggregator rebuilds its windows from here.
 */
export class BatchWindowsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Puts lane messages into their windows, opening the windows' batches, in one statement. A lane
   * message already waiting in another open window (a redelivery after a crash or a rebalance) moves
   * to the window given now, which is the only one still waiting for it; one already in a closed batch
   * stays there. The keys must be distinct within one call.
   */
  async add(items: readonly NewWindowItem[]): Promise<void> {
    if (items.length === 0) return;
    const windows = new Map<string, { w: string; pv: Provider; op: Operation; m: string }>();
    for (const i of items) if (!windows.has(i.windowId)) windows.set(i.windowId, { w: i.windowId, pv: i.provider, op: i.operation, m: i.model });
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
      tp: i.traceparent ?? null,
    }));
    // The batch rows are inserted by the statement's first part; the items' foreign key is checked at
    // its end, so it sees them.
    await this.pool.query(
      `with opened as (
         insert into batches (id, provider, operation, model, request_count, status)
         select w, pv, op, m, 1, 'open' from json_to_recordset($2::json) as x(w text, pv text, op text, m text)
         on conflict (id) do nothing
       )
       insert into batch_items as i (batch_id, tenant, request_id, attempt, custom_id, deadline, payload, line, traceparent)
       select w, t, r, a, c, d, p, l, tp from json_to_recordset($1::json) as x(t text, r text, a int, w text, c text, d timestamptz, p jsonb, l text, tp text)
       on conflict (tenant, request_id, attempt) do update set batch_id = excluded.batch_id, custom_id = excluded.custom_id, line = excluded.line
        where (i.batch_id, i.custom_id) is distinct from (excluded.batch_id, excluded.custom_id)
          and i.status = 'pending' and exists (select 1 from batches b where b.id = i.batch_id and b.status = 'open')`,
      [JSON.stringify(rows), JSON.stringify([...windows.values()])],
    );
  }

  /**
   * Every item still waiting in a window, a page at a time and a window's items together (ordered by
   * window id): their offsets were committed once they were written, so the ledger, not Kafka, is what
   * a restarted aggregator rebuilds its windows from.
   */
  async *openItems(pageSize = 1_000): AsyncGenerator<OpenWindowItem[]> {
    let after: [string, string, string, number] = ['', '', '', 0];
    for (;;) {
      const { rows } = await this.pool.query<{
        batch_id: string;
        custom_id: string;
        tenant: string;
        request_id: string;
        attempt: number;
        deadline: Date | null;
        created_at: Date;
        payload: unknown;
      }>(
        `select i.batch_id, i.custom_id, i.tenant, i.request_id, i.attempt, i.deadline, b.created_at, i.payload
           from batch_items i join batches b on b.id = i.batch_id
          where b.status = 'open' and (i.batch_id, i.tenant, i.request_id, i.attempt) > ($1, $2, $3, $4)
          order by i.batch_id, i.tenant, i.request_id, i.attempt
          limit $5`,
        [...after, pageSize],
      );
      if (rows.length > 0) {
        yield rows.map((r) => ({
          windowId: r.batch_id,
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
      after = [last.batch_id, last.tenant, last.request_id, last.attempt];
    }
  }

  /**
   * Turns the window `batch.id` into that batch, without touching its items: the batch row goes from
   * `open` to `pending` with its sizes and the number of items it really has (a redelivered lane
   * message may have moved to another window). Undefined (nothing recorded) when the window was
   * closed before or has no items left (its row is then deleted).
   */
  async close(batch: NewBatch): Promise<ClosedWindowBatch | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ n: string }>('select count(*) as n from batch_items where batch_id = $1', [batch.id]);
      const requestCount = Number(rows[0]!.n);
      const { rowCount } = await client.query(
        `update batches set status = 'pending', request_count = greatest(1, $2::int), bytes = $3, earliest_deadline = $4, created_at = now()
          where id = $1 and status = 'open'`,
        [batch.id, requestCount, batch.bytes, toInstant(batch.earliestDeadline)],
      );
      if (rowCount !== 1) return undefined;
      if (requestCount === 0) {
        await client.query('delete from batches where id = $1', [batch.id]);
        return undefined;
      }
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
        `delete from batch_items i
          using unnest($1::text[], $2::text[], $3::int[], $4::text[]) as k(tenant, request_id, attempt, window_id), batches b
          where i.tenant = k.tenant and i.request_id = k.request_id and i.attempt = k.attempt and i.batch_id = k.window_id
            and b.id = i.batch_id and b.status = 'open'
          returning i.payload`,
        [keys.map((k) => k.tenant), keys.map((k) => k.requestId), keys.map((k) => k.attempt), keys.map((k) => k.windowId)],
      );
      const payloads = rows.map((r) => r.payload);
      if (payloads.length > 0) await use(payloads);
      return payloads.length;
    });
  }
}
