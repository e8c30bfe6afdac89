import { Pool, PoolClient } from 'pg';
import { Operation, Provider } from '@sluice/contracts';
import { withTransaction } from '../client/database.pool';
import { chunks, toInstant, toNumber } from './row.mapping';

export const BATCH_STATUSES = ['open', 'pending', 'submitted', 'in_progress', 'finalizing', 'completed', 'failed', 'expired', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];
export const OPEN_BATCH_STATUSES: readonly BatchStatus[] = ['pending', 'submitted', 'in_progress', 'finalizing'];

export const BATCH_ITEM_STATUSES = ['pending', 'succeeded', 'failed', 'expired', 'cancelled', 'escalated'] as const;
export type BatchItemStatus = (typeof BATCH_ITEM_STATUSES)[number];

export interface NewBatch {
  /** Sluice's id, chosen before submission so a crash between recording and submitting is recoverable. */
  id: string;
  provider: Provider;
  operation: Operation;
  model: string;
  bytes: number;
  earliestDeadline?: Date | string | null;
}

export interface NewBatchItem {
  customId: string;
  tenant: string;
  requestId: string;
  /** The lane message's routing attempt (1 from the lane topic), counted up for resubmissions. */
  attempt?: number;
  deadline?: Date | string | null;
  /** The lane message, kept while the batch is open (see 005_batch_lane). */
  payload?: unknown;
  /** The request's provider batch line under `customId` (see 013_open_batches); built from `payload` at submit when absent. */
  line?: string;
  /** The lane message's trace context (see 017_batch_item_traces). */
  traceparent?: string | null;
}

/** What the batch input needs of an item: its stored line, or (written without one) its lane message to build it from. */
export interface BatchInputItem {
  customId: string;
  line: string | null;
  /** The lane message, only when there is no line. */
  payload: unknown;
}

/**
 * What a request's lifecycle events need of an item, without its lane message: the batch gives the
 * provider, operation and model.
 */
export interface BatchItemSubject {
  customId: string;
  tenant: string;
  requestId: string;
  /** The deadline the batch lane had to meet, as the lane message spells it (routing's, else the request's). */
  deadline: string | null;
  metadata: Record<string, string> | null;
}

/** What `create` recorded: the items of the window that were not already in a batch. */
export interface RecordedBatch {
  id: string;
  requestCount: number;
  customIds: ReadonlySet<string>;
}

export interface BatchRecord {
  id: string;
  provider: Provider;
  operation: Operation;
  model: string;
  providerBatchId: string | null;
  inputFileId: string | null;
  outputFileId: string | null;
  errorFileId: string | null;
  status: BatchStatus;
  requestCount: number;
  succeededCount: number;
  failedCount: number;
  expiredCount: number;
  bytes: number;
  earliestDeadline: Date | null;
  createdAt: Date;
  submitStartedAt: Date | null;
  submittedAt: Date | null;
  lastPolledAt: Date | null;
  completedAt: Date | null;
  resolvedAt: Date | null;
  error: string | null;
}

export interface BatchItemRecord {
  batchId: string;
  customId: string;
  tenant: string;
  requestId: string;
  status: BatchItemStatus;
  attempt: number;
  deadline: Date | null;
  resultId: string | null;
  errorCode: string | null;
  /** The lane message while the item is pending; null once it is resolved. */
  payload: unknown;
  /** The lane message's trace context, when it carried one. */
  traceparent: string | null;
}

export interface BatchProgress {
  status: BatchStatus;
  succeededCount?: number;
  failedCount?: number;
  expiredCount?: number;
  outputFileId?: string | null;
  errorFileId?: string | null;
  error?: string | null;
}

export interface ItemOutcome {
  customId: string;
  status: Exclude<BatchItemStatus, 'pending'>;
  resultId?: string | null;
  errorCode?: string | null;
}

interface BatchRow {
  id: string;
  provider: Provider;
  operation: Operation;
  model: string;
  provider_batch_id: string | null;
  input_file_id: string | null;
  output_file_id: string | null;
  error_file_id: string | null;
  status: BatchStatus;
  request_count: number;
  succeeded_count: number;
  failed_count: number;
  expired_count: number;
  bytes: string;
  earliest_deadline: Date | null;
  created_at: Date;
  submit_started_at: Date | null;
  submitted_at: Date | null;
  last_polled_at: Date | null;
  completed_at: Date | null;
  resolved_at: Date | null;
  error: string | null;
}

interface BatchItemRow {
  batch_id: string;
  custom_id: string;
  tenant: string;
  request_id: string;
  status: BatchItemStatus;
  attempt: number;
  deadline: Date | null;
  result_id: string | null;
  error_code: string | null;
  payload: unknown;
  traceparent: string | null;
}

function toBatch(row: BatchRow): BatchRecord {
  return {
    id: row.id,
    provider: row.provider,
    operation: row.operation,
    model: row.model,
    providerBatchId: row.provider_batch_id,
    inputFileId: row.input_file_id,
    outputFileId: row.output_file_id,
    errorFileId: row.error_file_id,
    status: row.status,
    requestCount: row.request_count,
    succeededCount: row.succeeded_count,
    failedCount: row.failed_count,
    expiredCount: row.expired_count,
    bytes: toNumber(row.bytes) ?? 0,
    earliestDeadline: row.earliest_deadline,
    createdAt: row.created_at,
    submitStartedAt: row.submit_started_at,
    submittedAt: row.submitted_at,
    lastPolledAt: row.last_polled_at,
    completedAt: row.completed_at,
    resolvedAt: row.resolved_at,
    error: row.error,
  };
}

function toItem(row: BatchItemRow): BatchItemRecord {
  return {
    batchId: row.batch_id,
    customId: row.custom_id,
    tenant: row.tenant,
    requestId: row.request_id,
    status: row.status,
    attempt: row.attempt,
    deadline: row.deadline,
    resultId: row.result_id,
    errorCode: row.error_code,
    payload: row.payload,
    traceparent: row.traceparent,
  };
}

/**
 * Rows per bulk statement. Items travel as one array parameter per column (unnest), so the 65,535
 * bind-parameter limit never applies; the chunk only bounds the size of a single statement.
 */
export const BULK_CHUNK_SIZE = 5_000;

// Every column but the line: only the batch input needs it (inputPages).
const ITEM_COLUMNS = 'batch_id, custom_id, tenant, request_id, status, attempt, deadline, result_id, error_code, payload, traceparent';

const OPEN = `('pending', 'submitted', 'in_progress', 'finalizing')`;

export class BatchesRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Records a batch and its items atomically, before anything is sent to the provider. Items whose
   * lane message (tenant, request id, attempt) is already in a batch are left out: a redelivered
   * message is never submitted twice. Undefined (and nothing written) when the batch id was recorded
   * before, so a retried flush is harmless, or when every item was already recorded.
   */
  async create(batch: NewBatch, items: readonly NewBatchItem[]): Promise<RecordedBatch | undefined> {
    if (items.length === 0) throw new Error(`batch ${batch.id} has no items`);
    return withTransaction(this.pool, (client) => insertBatch(client, batch, items));
  }

  /** The provider is being asked to create the batch now: recovery looks for it from this instant on. */
  async markSubmitStarted(id: string): Promise<void> {
    await this.pool.query(`update batches set submit_started_at = now() where id = $1 and status = 'pending'`, [id]);
  }

  /** The provider accepted the batch. Only a pending batch moves, so a repeated call cannot rewrite ids. */
  async markSubmitted(id: string, providerBatchId: string, inputFileId: string | null = null): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update batches set status = 'submitted', provider_batch_id = $2, input_file_id = $3, submitted_at = now()
        where id = $1 and status = 'pending'`,
      [id, providerBatchId, inputFileId],
    );
    return rowCount === 1;
  }

  /** What the latest poll said. Terminal batches stay terminal. */
  async recordProgress(id: string, progress: BatchProgress): Promise<boolean> {
    const { rowCount } = await this.pool.query(
      `update batches
          set status = $2,
              succeeded_count = coalesce($3, succeeded_count),
              failed_count = coalesce($4, failed_count),
              expired_count = coalesce($5, expired_count),
              output_file_id = coalesce($6, output_file_id),
              error_file_id = coalesce($7, error_file_id),
              error = coalesce($8, error),
              last_polled_at = now(),
              completed_at = case when $2 in ${OPEN} then null else coalesce(completed_at, now()) end
        where id = $1 and status in ${OPEN}`,
      [
        id,
        progress.status,
        progress.succeededCount ?? null,
        progress.failedCount ?? null,
        progress.expiredCount ?? null,
        progress.outputFileId ?? null,
        progress.errorFileId ?? null,
        progress.error ?? null,
      ],
    );
    return rowCount === 1;
  }

  async get(id: string): Promise<BatchRecord | undefined> {
    const { rows } = await this.pool.query<BatchRow>('select * from batches where id = $1', [id]);
    return rows[0] === undefined ? undefined : toBatch(rows[0]);
  }

  async getByProviderBatchId(providerBatchId: string): Promise<BatchRecord | undefined> {
    const { rows } = await this.pool.query<BatchRow>('select * from batches where provider_batch_id = $1', [providerBatchId]);
    return rows[0] === undefined ? undefined : toBatch(rows[0]);
  }

  /** Batches not yet finished, oldest first. */
  async listOpen(): Promise<BatchRecord[]> {
    const { rows } = await this.pool.query<BatchRow>(`select * from batches where status in ${OPEN} order by created_at, id`);
    return rows.map(toBatch);
  }

  /**
   * Batches whose items are not all resolved yet, in flight or ended: what an aggregator resumes after
   * a restart. Windows still filling (`open`) are not batches yet: the aggregator adopts those as windows.
   */
  async listUnresolved(): Promise<BatchRecord[]> {
    const { rows } = await this.pool.query<BatchRow>(`select * from batches where resolved_at is null and status <> 'open' order by created_at, id`);
    return rows.map(toBatch);
  }

  /** Every item of the batch has its result published, or was resubmitted or escalated. */
  async markResolved(id: string): Promise<void> {
    await this.pool.query('update batches set resolved_at = coalesce(resolved_at, now()) where id = $1', [id]);
  }

  /**
   * Records per-item outcomes as provider results land, clearing the payload. Only pending items
   * change: an item resolved by an earlier pass over the same results keeps its outcome. An escalated
   * item only gets the id of its (late, billed, undelivered) batch result. Returns how many items changed.
   */
  async recordItemOutcomes(batchId: string, outcomes: readonly ItemOutcome[]): Promise<number> {
    let changed = 0;
    for (const chunk of chunks(outcomes, BULK_CHUNK_SIZE)) {
      const { rowCount } = await this.pool.query(
        `update batch_items b
            set status = case when b.status = 'pending' then u.status else b.status end,
                result_id = coalesce(b.result_id, u.result_id),
                error_code = case when b.status = 'pending' then u.error_code else b.error_code end,
                payload = null, updated_at = now()
           from unnest($2::text[], $3::text[], $4::text[], $5::text[]) as u(custom_id, status, result_id, error_code)
          where b.batch_id = $1 and b.custom_id = u.custom_id
            and (b.status = 'pending' or (b.status = 'escalated' and b.result_id is null and u.result_id is not null))`,
        [batchId, chunk.map((o) => o.customId), chunk.map((o) => o.status), chunk.map((o) => o.resultId ?? null), chunk.map((o) => o.errorCode ?? null)],
      );
      changed += rowCount ?? 0;
    }
    return changed;
  }

  /** Marks pending items escalated (their lane message was re-issued on the realtime lane); returns those that changed. */
  async escalateItems(batchId: string, customIds: readonly string[]): Promise<string[]> {
    const { rows } = await this.pool.query<{ custom_id: string }>(
      `update batch_items set status = 'escalated', updated_at = now()
        where batch_id = $1 and custom_id = any($2::text[]) and status = 'pending'
        returning custom_id`,
      [batchId, customIds],
    );
    return rows.map((r) => r.custom_id);
  }

  /**
   * Moves items that did not come back (expired, cancelled, failed retryably) into a new batch, in
   * one transaction: the old items get `status`, the new batch gets the ones that were still pending,
   * each with the next attempt. Repeating the call after a crash finds them moved and records nothing.
   */
  async resubmit(
    from: { batchId: string; customIds: readonly string[]; status: 'expired' | 'cancelled' | 'failed' },
    batch: NewBatch,
    items: readonly NewBatchItem[],
  ): Promise<RecordedBatch | undefined> {
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<{ custom_id: string }>(
        `update batch_items set status = $3, payload = null, error_code = coalesce(error_code, $4), updated_at = now()
          where batch_id = $1 and custom_id = any($2::text[]) and status = 'pending'
          returning custom_id`,
        [from.batchId, from.customIds, from.status, `batch_${from.status}`],
      );
      const moved = new Set(rows.map((r) => r.custom_id));
      const still = items.filter((item) => moved.has(item.customId));
      return still.length === 0 ? undefined : insertBatch(client, batch, still);
    });
  }

  /** The items behind the given custom ids, to fan provider results out to their requests. */
  async itemsByCustomId(batchId: string, customIds: readonly string[]): Promise<BatchItemRecord[]> {
    const { rows } = await this.pool.query<BatchItemRow>(`select ${ITEM_COLUMNS} from batch_items where batch_id = $1 and custom_id = any($2::text[])`, [
      batchId,
      customIds,
    ]);
    return rows.map(toItem);
  }

  /** A page of a batch's items in custom id order (pass the last custom id seen to continue). */
  async listItems(batchId: string, options: { afterCustomId?: string; limit?: number; status?: BatchItemStatus } = {}): Promise<BatchItemRecord[]> {
    const { rows } = await this.pool.query<BatchItemRow>(
      `select ${ITEM_COLUMNS} from batch_items
        where batch_id = $1 and custom_id > $2 and ($3::text is null or status = $3)
        order by custom_id limit $4`,
      [batchId, options.afterCustomId ?? '', options.status ?? null, options.limit ?? 1000],
    );
    return rows.map(toItem);
  }

  /** A batch's items page by page in custom id order: a batch of any size is read without holding it whole. */
  async *itemPages(batchId: string, options: { status?: BatchItemStatus; pageSize?: number } = {}): AsyncGenerator<BatchItemRecord[]> {
    const limit = options.pageSize ?? 1000;
    let after = '';
    for (;;) {
      const page = await this.listItems(batchId, { afterCustomId: after, limit, status: options.status });
      if (page.length > 0) yield page;
      if (page.length < limit) return;
      after = page[page.length - 1]!.customId;
    }
  }

  /** A pending batch's input, page by page in custom id order: the stored lines as text, never the lane messages parsed. */
  async *inputPages(batchId: string, pageSize = 5_000): AsyncGenerator<BatchInputItem[]> {
    let after = '';
    for (;;) {
      const { rows } = await this.pool.query<{ custom_id: string; line: string | null; payload: unknown }>(
        `select custom_id, line, case when line is null then payload end as payload from batch_items
          where batch_id = $1 and custom_id > $2 and status = 'pending'
          order by custom_id limit $3`,
        [batchId, after, pageSize],
      );
      if (rows.length > 0) yield rows.map((r) => ({ customId: r.custom_id, line: r.line, payload: r.payload }));
      if (rows.length < pageSize) return;
      after = rows[rows.length - 1]!.custom_id;
    }
  }

  /** A batch's items as their events need them, page by page in custom id order: a few fields each, not the lane message. */
  async *subjectPages(batchId: string, options: { status?: BatchItemStatus; pageSize?: number } = {}): AsyncGenerator<BatchItemSubject[]> {
    const limit = options.pageSize ?? 5_000;
    let after = '';
    for (;;) {
      const { rows } = await this.pool.query<{
        custom_id: string;
        tenant: string;
        request_id: string;
        deadline: string | null;
        metadata: Record<string, string> | null;
      }>(
        `select custom_id, tenant, request_id,
                coalesce(payload #>> '{routing,deadline}', payload ->> 'deadline') as deadline,
                payload #> '{request,metadata}' as metadata
           from batch_items
          where batch_id = $1 and custom_id > $2 and ($3::text is null or status = $3)
          order by custom_id limit $4`,
        [batchId, after, options.status ?? null, limit],
      );
      if (rows.length > 0) {
        yield rows.map((r) => ({ customId: r.custom_id, tenant: r.tenant, requestId: r.request_id, deadline: r.deadline, metadata: r.metadata }));
      }
      if (rows.length < limit) return;
      after = rows[rows.length - 1]!.custom_id;
    }
  }

  async countItemsByStatus(batchId: string): Promise<Partial<Record<BatchItemStatus, number>>> {
    const { rows } = await this.pool.query<{ status: BatchItemStatus; n: string }>(
      'select status, count(*) as n from batch_items where batch_id = $1 group by status',
      [batchId],
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  /**
   * Requests of the given tenant already waiting in an unfinished batch. A window re-formed after a
   * crash skips them instead of submitting them a second time.
   */
  async pendingRequestIds(tenant: string, requestIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ request_id: string }>(
      `select distinct i.request_id
         from batch_items i join batches b on b.id = i.batch_id
        where i.tenant = $1 and i.request_id = any($2::text[]) and i.status = 'pending' and b.status in ${OPEN}`,
      [tenant, requestIds],
    );
    return new Set(rows.map((r) => r.request_id));
  }

  /**
   * Pending items of recorded batches whose deadline falls before `before`, earliest first: candidates
   * for escalation. Items of windows still filling are left to the aggregator's windows, which watch their deadlines.
   */
  async pendingItemsDueBefore(before: Date, limit = 1000): Promise<BatchItemRecord[]> {
    const { rows } = await this.pool.query<BatchItemRow>(
      `select ${ITEM_COLUMNS} from batch_items i
        where i.status = 'pending' and i.deadline is not null and i.deadline < $1
          and not exists (select 1 from batches b where b.id = i.batch_id and b.status = 'open')
        order by i.deadline limit $2`,
      [before, limit],
    );
    return rows.map(toItem);
  }
}

async function insertBatch(client: PoolClient, batch: NewBatch, items: readonly NewBatchItem[]): Promise<RecordedBatch | undefined> {
  const inserted = await client.query(
    `insert into batches (id, provider, operation, model, request_count, bytes, earliest_deadline)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (id) do nothing`,
    [batch.id, batch.provider, batch.operation, batch.model, items.length, batch.bytes, toInstant(batch.earliestDeadline)],
  );
  if (inserted.rowCount !== 1) return undefined;
  const customIds = new Set<string>();
  for (const chunk of chunks(items, BULK_CHUNK_SIZE)) {
    for (const id of await insertItems(client, batch.id, chunk)) customIds.add(id);
  }
  if (customIds.size === 0) {
    await client.query('delete from batches where id = $1', [batch.id]);
    return undefined;
  }
  if (customIds.size < items.length) {
    await client.query('update batches set request_count = $2 where id = $1', [batch.id, customIds.size]);
  }
  return { id: batch.id, requestCount: customIds.size, customIds };
}

/** Inserts the items that are not in a batch yet and returns their custom ids. */
async function insertItems(client: PoolClient, batchId: string, items: readonly NewBatchItem[]): Promise<string[]> {
  const { rows } = await client.query<{ custom_id: string }>(
    `insert into batch_items (batch_id, custom_id, tenant, request_id, attempt, deadline, payload, line, traceparent)
     select $1, * from unnest($2::text[], $3::text[], $4::text[], $5::int[], $6::timestamptz[], $7::jsonb[], $8::text[], $9::text[])
     on conflict (tenant, request_id, attempt) do nothing
     returning custom_id`,
    [
      batchId,
      items.map((i) => i.customId),
      items.map((i) => i.tenant),
      items.map((i) => i.requestId),
      items.map((i) => i.attempt ?? 1),
      items.map((i) => toInstant(i.deadline)),
      items.map((i) => (i.payload === undefined ? null : JSON.stringify(i.payload))),
      items.map((i) => i.line ?? null),
      items.map((i) => i.traceparent ?? null),
    ],
  );
  return rows.map((r) => r.custom_id);
}
