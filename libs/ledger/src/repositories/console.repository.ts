import type { InferenceResultV1, Lane } from '@sluice/contracts';
import { Pool } from 'pg';

/**
 * Every read of the operator console, one statement each, never one per row. `tenant` null reads
 * every tenant (an operator key); otherwise each statement filters on it.
 */

/** Completions with a deadline and how many met it, per lane or per tenant. */
export interface AttainmentRow {
  /** The lane or the tenant, by `by`. */
  key: string;
  by: 'lane' | 'tenant';
  completed: number;
  withDeadline: number;
  met: number;
}

/** Requests received in one bucket of time, per lane (`null`: not routed yet). */
export interface LaneBucket {
  at: Date;
  lane: Lane | null;
  requests: number;
}

export interface ConsoleOverviewRows {
  attainment: AttainmentRow[];
  buckets: LaneBucket[];
}

export interface RequestSearch {
  tenant: string | null;
  id?: string;
  /** Every pair must be in the request's metadata. */
  metadata?: Record<string, string>;
  status?: string;
  limit: number;
}

export interface RequestSummary {
  tenant: string;
  id: string;
  status: string;
  lane: Lane | null;
  provider: string;
  operation: string;
  model: string;
  mode: string;
  receivedAt: Date;
  completedAt: Date | null;
  deadline: Date | null;
  deadlineMet: boolean | null;
  costUsd: number | null;
  savedUsd: number | null;
  metadata: Record<string, string>;
  jobId: string | null;
}

export interface RequestDetailRecord {
  request: RequestSummary & {
    routedAt: Date | null;
    decisionReason: string | null;
    notBefore: Date | null;
    errorCode: string | null;
    estimatedCostUsd: number | null;
    realtimeCostUsd: number | null;
  };
  /** Each batch the request was in, by attempt. */
  batches: Array<{
    batchId: string;
    attempt: number;
    itemStatus: string;
    itemUpdatedAt: Date;
    batchStatus: string;
    createdAt: Date;
    submittedAt: Date | null;
    completedAt: Date | null;
  }>;
  /** Every result a provider produced for it, delivered or not, by completion time. */
  results: Array<{
    resultId: string;
    status: string;
    lane: Lane;
    provider: string;
    model: string;
    costUsd: number;
    errorCode: string | null;
    completedAt: Date;
  }>;
  completion: { resultId: string; lane: Lane; status: string; completedAt: Date; bookedAt: Date; result: InferenceResultV1 | null } | null;
}

export interface BatchSummary {
  id: string;
  provider: string;
  operation: string;
  model: string;
  status: string;
  providerBatchId: string | null;
  createdAt: Date;
  submittedAt: Date | null;
  completedAt: Date | null;
  error: string | null;
  /** The batch's lines in the scope (a tenant sees its own lines of a shared batch), by item status. */
  lines: { total: number; pending: number; succeeded: number; failed: number; expired: number; cancelled: number; escalated: number };
}

export interface JobSummary {
  tenant: string;
  id: string;
  status: string;
  lines: number;
  invalidLines: number;
  createdAt: Date;
  receivedAt: Date | null;
  requests: { total: number; succeeded: number; failed: number; batch: number };
}

interface RequestRow {
  tenant: string;
  id: string;
  status: string;
  lane: Lane | null;
  provider: string;
  operation: string;
  model: string;
  mode: string;
  received_at: Date;
  completed_at: Date | null;
  deadline: Date | null;
  deadline_met: boolean | null;
  cost_usd: string | null;
  saved_usd: string | null;
  metadata: Record<string, string>;
  job_id: string | null;
}

const REQUEST_COLUMNS = `r.tenant, r.id, r.status, r.lane, r.provider, r.operation, r.model, r.mode, r.received_at, r.completed_at,
  r.deadline, r.deadline_met, r.cost_usd, r.saved_usd, r.metadata, r.job_id`;

function amount(text: string | null): number | null {
  return text === null ? null : Number(text);
}

function toSummary(row: RequestRow): RequestSummary {
  return {
    tenant: row.tenant,
    id: row.id,
    status: row.status,
    lane: row.lane,
    provider: row.provider,
    operation: row.operation,
    model: row.model,
    mode: row.mode,
    receivedAt: row.received_at,
    completedAt: row.completed_at,
    deadline: row.deadline,
    deadlineMet: row.deadline_met,
    costUsd: amount(row.cost_usd),
    savedUsd: amount(row.saved_usd),
    metadata: row.metadata,
    jobId: row.job_id,
  };
}

// jsonb carries timestamps as text; the detail's nested rows are turned back into dates here.
const date = (text: string): Date => new Date(text);
const maybeDate = (text: string | null): Date | null => (text === null ? null : new Date(text));

export class ConsoleRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Deadline attainment of the completions in [from, to) per lane and per tenant, and the requests
   * received since `since` per `bucketSeconds` and lane: one statement.
   */
  async overview(tenant: string | null, from: Date, to: Date, since: Date, bucketSeconds: number): Promise<ConsoleOverviewRows> {
    const { rows } = await this.pool.query<{ attainment: AttainmentRow[]; buckets: Array<{ at: string; lane: Lane | null; requests: number }> }>(
      `with done as (
         select tenant, lane, deadline, deadline_met from completions
          where ($1::text is null or tenant = $1) and completed_at >= $2 and completed_at < $3),
       attainment as (
         select case when grouping(lane) = 0 then 'lane' else 'tenant' end as by, coalesce(lane, tenant) as key,
                count(*)::int as completed, count(deadline)::int as with_deadline, count(*) filter (where deadline_met)::int as met
           from done group by grouping sets ((lane), (tenant))),
       buckets as (
         select to_timestamp(floor(extract(epoch from received_at) / $5) * $5) as at, lane, count(*)::int as requests
           from requests
          where ($1::text is null or tenant = $1) and received_at >= $4
          group by 1, 2)
       select
         (select coalesce(jsonb_agg(jsonb_build_object('by', by, 'key', key, 'completed', completed, 'withDeadline', with_deadline, 'met', met)
                  order by by, key), '[]') from attainment) as attainment,
         (select coalesce(jsonb_agg(jsonb_build_object('at', at, 'lane', lane, 'requests', requests) order by at, lane), '[]') from buckets) as buckets`,
      [tenant, from, to, since, bucketSeconds],
    );
    return {
      attainment: rows[0].attainment,
      buckets: rows[0].buckets.map((bucket) => ({ at: date(bucket.at), lane: bucket.lane, requests: bucket.requests })),
    };
  }

  /** The newest requests matching the search, at most `limit`. */
  async searchRequests(search: RequestSearch): Promise<RequestSummary[]> {
    const { rows } = await this.pool.query<RequestRow>(
      `select ${REQUEST_COLUMNS} from requests r
        where ($1::text is null or r.tenant = $1) and ($2::text is null or r.id = $2)
          and ($3::jsonb is null or r.metadata @> $3) and ($4::text is null or r.status = $4)
        order by r.received_at desc limit $5`,
      [search.tenant, search.id ?? null, search.metadata === undefined ? null : JSON.stringify(search.metadata), search.status ?? null, search.limit],
    );
    return rows.map(toSummary);
  }

  /** One request with its batches, every result and its completion: one statement. */
  async requestDetail(tenant: string, id: string): Promise<RequestDetailRecord | undefined> {
    const { rows } = await this.pool.query<
      RequestRow & {
        routed_at: Date | null;
        decision_reason: string | null;
        not_before: Date | null;
        error_code: string | null;
        estimated_cost_usd: string | null;
        realtime_cost_usd: string | null;
        batches: Array<{
          batchId: string;
          attempt: number;
          itemStatus: string;
          itemUpdatedAt: string;
          batchStatus: string;
          createdAt: string;
          submittedAt: string | null;
          completedAt: string | null;
        }>;
        results: Array<{
          resultId: string;
          status: string;
          lane: Lane;
          provider: string;
          model: string;
          costUsd: number;
          errorCode: string | null;
          completedAt: string;
        }>;
        completion: { resultId: string; lane: Lane; status: string; completedAt: string; bookedAt: string; result: InferenceResultV1 | null } | null;
      }
    >(
      `select ${REQUEST_COLUMNS}, r.routed_at, r.decision_reason, r.not_before, r.error_code, r.estimated_cost_usd, r.realtime_cost_usd,
         (select coalesce(jsonb_agg(jsonb_build_object('batchId', b.id, 'attempt', i.attempt, 'itemStatus', i.status, 'itemUpdatedAt', i.updated_at,
                   'batchStatus', b.status, 'createdAt', b.created_at, 'submittedAt', b.submitted_at, 'completedAt', b.completed_at) order by i.attempt), '[]')
            from batch_items i join batches b on b.id = i.batch_id where i.tenant = r.tenant and i.request_id = r.id) as batches,
         (select coalesce(jsonb_agg(jsonb_build_object('resultId', x.result_id, 'status', x.status, 'lane', x.lane, 'provider', x.provider, 'model', x.model,
                   'costUsd', x.cost_usd, 'errorCode', x.error_code, 'completedAt', x.completed_at) order by x.completed_at, x.result_id), '[]')
            from request_results x where x.tenant = r.tenant and x.request_id = r.id) as results,
         (select jsonb_build_object('resultId', c.result_id, 'lane', c.lane, 'status', c.status, 'completedAt', c.completed_at, 'bookedAt', c.booked_at,
                   'result', c.result)
            from completions c where c.tenant = r.tenant and c.request_id = r.id) as completion
         from requests r where r.tenant = $1 and r.id = $2`,
      [tenant, id],
    );
    const row = rows[0];
    if (row === undefined) return undefined;
    return {
      request: {
        ...toSummary(row),
        routedAt: row.routed_at,
        decisionReason: row.decision_reason,
        notBefore: row.not_before,
        errorCode: row.error_code,
        estimatedCostUsd: amount(row.estimated_cost_usd),
        realtimeCostUsd: amount(row.realtime_cost_usd),
      },
      batches: row.batches.map((batch) => ({
        ...batch,
        itemUpdatedAt: date(batch.itemUpdatedAt),
        createdAt: date(batch.createdAt),
        submittedAt: maybeDate(batch.submittedAt),
        completedAt: maybeDate(batch.completedAt),
      })),
      results: row.results.map((result) => ({ ...result, costUsd: Number(result.costUsd), completedAt: date(result.completedAt) })),
      completion:
        row.completion === null ? null : { ...row.completion, completedAt: date(row.completion.completedAt), bookedAt: date(row.completion.bookedAt) },
    };
  }

  /**
   * The newest provider batches with lines in the scope, at most `limit`, each with its lines counted
   * by status (a tenant's own lines only).
   */
  async batches(tenant: string | null, limit: number): Promise<BatchSummary[]> {
    const { rows } = await this.pool.query<{
      id: string;
      provider: string;
      operation: string;
      model: string;
      status: string;
      provider_batch_id: string | null;
      created_at: Date;
      submitted_at: Date | null;
      completed_at: Date | null;
      error: string | null;
      total: number;
      pending: number;
      succeeded: number;
      failed: number;
      expired: number;
      cancelled: number;
      escalated: number;
    }>(
      `with chosen as (
         select * from batches b
          where $1::text is null or exists (select 1 from batch_items i where i.batch_id = b.id and i.tenant = $1)
          order by b.created_at desc, b.id limit $2)
       select c.id, c.provider, c.operation, c.model, c.status, c.provider_batch_id, c.created_at, c.submitted_at, c.completed_at, c.error, n.*
         from chosen c cross join lateral (
           select count(*)::int as total,
                  count(*) filter (where i.status = 'pending')::int as pending,
                  count(*) filter (where i.status = 'succeeded')::int as succeeded,
                  count(*) filter (where i.status = 'failed')::int as failed,
                  count(*) filter (where i.status = 'expired')::int as expired,
                  count(*) filter (where i.status = 'cancelled')::int as cancelled,
                  count(*) filter (where i.status = 'escalated')::int as escalated
             from batch_items i where i.batch_id = c.id and ($1::text is null or i.tenant = $1)) n
        order by c.created_at desc, c.id`,
      [tenant, limit],
    );
    return rows.map((row) => ({
      id: row.id,
      provider: row.provider,
      operation: row.operation,
      model: row.model,
      status: row.status,
      providerBatchId: row.provider_batch_id,
      createdAt: row.created_at,
      submittedAt: row.submitted_at,
      completedAt: row.completed_at,
      error: row.error,
      lines: {
        total: row.total,
        pending: row.pending,
        succeeded: row.succeeded,
        failed: row.failed,
        expired: row.expired,
        cancelled: row.cancelled,
        escalated: row.escalated,
      },
    }));
  }

  /** The newest bulk jobs in the scope, at most `limit`, each with its requests counted by outcome. */
  async jobs(tenant: string | null, limit: number): Promise<JobSummary[]> {
    const { rows } = await this.pool.query<{
      tenant: string;
      id: string;
      status: string;
      lines: number;
      invalid_lines: number;
      created_at: Date;
      received_at: Date | null;
      total: number;
      succeeded: number;
      failed: number;
      batch: number;
    }>(
      `with chosen as (
         select * from jobs j where $1::text is null or j.tenant = $1 order by j.created_at desc, j.id limit $2)
       select c.tenant, c.id, c.status, c.lines, c.invalid_lines, c.created_at, c.received_at, n.*
         from chosen c cross join lateral (
           select count(*)::int as total,
                  count(*) filter (where r.status = 'succeeded')::int as succeeded,
                  count(*) filter (where r.status = 'failed')::int as failed,
                  count(*) filter (where r.lane = 'batch')::int as batch
             from requests r where r.tenant = c.tenant and r.job_id = c.id) n
        order by c.created_at desc, c.id`,
      [tenant, limit],
    );
    return rows.map((row) => ({
      tenant: row.tenant,
      id: row.id,
      status: row.status,
      lines: row.lines,
      invalidLines: row.invalid_lines,
      createdAt: row.created_at,
      receivedAt: row.received_at,
      requests: { total: row.total, succeeded: row.succeeded, failed: row.failed, batch: row.batch },
    }));
  }
}
