import { Pool } from 'pg';
import { canonicalJson, FieldError, InferenceResultV1, Lane } from '@sluice/contracts';

export const JOB_STATUSES = ['receiving', 'received', 'interrupted'] as const;
/**
 * Where a job's upload stands: `receiving` while its lines are being read (or when the upload died
 * with the process reading it), `received` once every line was read and its requests recorded and
 * published, `interrupted` when the upload broke off. How far its requests are is progress, not status.
 */
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Defaults a job applies to lines that do not set the field themselves. */
export interface JobDefaults {
  /** An absolute instant. */
  deadline?: string;
  mode?: string;
  provider?: string;
  operation?: string;
}

export interface NewJob {
  tenant: string;
  id: string;
  /** What the client asked for, as it asked (`{ deadline: '6h' }`): a re-post must ask the same. */
  options: Record<string, string>;
  /** The options resolved when the job was created (`{ deadline: '2030-01-01T06:00:00.000Z' }`). */
  defaults: JobDefaults;
  /** The instant `defaults` were resolved against. */
  createdAt: Date;
}

export interface JobRecord {
  tenant: string;
  id: string;
  status: JobStatus;
  options: Record<string, string>;
  defaults: JobDefaults;
  /** Non-blank lines read so far. */
  lines: number;
  /** Of those, the lines refused (they have rows in job_line_errors). */
  invalidLines: number;
  createdAt: Date;
  receivedAt: Date | null;
  updatedAt: Date;
}

/** `created`: a new job; `existing`: the same id with the same options; `conflict`: the id with other options. */
export type OpenJobOutcome = { outcome: 'created' | 'existing' | 'conflict'; job: JobRecord };

/** A refused line's problem, as it is stored and read back. */
export interface JobLineError extends FieldError {
  line: number;
  /** The id the line's request has or would have had. */
  requestId: string;
}

export interface LineErrorCursor {
  line: number;
  seq: number;
}

export type StoredLineError = JobLineError & LineErrorCursor;

export interface LaneProgress {
  total: number;
  succeeded: number;
  failed: number;
}

/** Counts of a job's recorded requests by lane (`null`: not routed yet) and outcome. */
export interface JobProgressCounts {
  total: number;
  succeeded: number;
  failed: number;
  byLane: Map<Lane | null, LaneProgress>;
}

export interface JobResultLine {
  line: number;
  result: InferenceResultV1;
}

interface JobRow {
  tenant: string;
  id: string;
  status: JobStatus;
  options: Record<string, string>;
  defaults: JobDefaults;
  lines: number;
  invalid_lines: number;
  created_at: Date;
  received_at: Date | null;
  updated_at: Date;
}

function toRecord(row: JobRow): JobRecord {
  return {
    tenant: row.tenant,
    id: row.id,
    status: row.status,
    options: row.options,
    defaults: row.defaults,
    lines: row.lines,
    invalidLines: row.invalid_lines,
    createdAt: row.created_at,
    receivedAt: row.received_at,
    updatedAt: row.updated_at,
  };
}

/** Bulk jobs: the job rows, their refused lines, and reads over their requests. Every call names the tenant. */
export class JobsRepository {
  constructor(private readonly pool: Pool) {}

  /**
   * Creates the job, or finds it when the id is taken: with the same options it is the same job
   * (a re-post), with others a conflict. A re-post starts a new upload of the job: it is `receiving`
   * again and its refused lines are forgotten, since the lines are about to be read again.
   */
  async open(job: NewJob): Promise<OpenJobOutcome> {
    const inserted = await this.pool.query<JobRow>(
      `insert into jobs (tenant, id, options, defaults, created_at) values ($1, $2, $3::jsonb, $4::jsonb, $5)
       on conflict (tenant, id) do nothing returning *`,
      [job.tenant, job.id, JSON.stringify(job.options), JSON.stringify(job.defaults), job.createdAt],
    );
    if (inserted.rows.length > 0) return { outcome: 'created', job: toRecord(inserted.rows[0]) };
    const existing = await this.get(job.tenant, job.id);
    if (existing === undefined) throw new Error(`job ${job.tenant}/${job.id} conflicted but cannot be read`);
    if (canonicalJson(existing.options) !== canonicalJson(job.options)) return { outcome: 'conflict', job: existing };
    await this.pool.query('delete from job_line_errors where tenant = $1 and job_id = $2', [job.tenant, job.id]);
    const { rows } = await this.pool.query<JobRow>(
      `update jobs set status = 'receiving', lines = 0, invalid_lines = 0, received_at = null, updated_at = now()
        where tenant = $1 and id = $2 returning *`,
      [job.tenant, job.id],
    );
    return { outcome: 'existing', job: toRecord(rows[0]) };
  }

  async get(tenant: string, id: string): Promise<JobRecord | undefined> {
    const { rows } = await this.pool.query<JobRow>('select * from jobs where tenant = $1 and id = $2', [tenant, id]);
    return rows[0] === undefined ? undefined : toRecord(rows[0]);
  }

  /**
   * Records how far the upload has been read, and its status once it ended. Counts only grow within
   * an upload (open() resets them), so an update that arrives after a later one changes nothing.
   */
  async recordIntake(tenant: string, id: string, counts: { lines: number; invalidLines: number }, status: JobStatus = 'receiving'): Promise<void> {
    await this.pool.query(
      `update jobs set lines = greatest(lines, $3), invalid_lines = greatest(invalid_lines, $4), status = $5,
                       received_at = case when $5 = 'received' then now() else received_at end, updated_at = now()
        where tenant = $1 and id = $2`,
      [tenant, id, counts.lines, counts.invalidLines, status],
    );
  }

  /** Stores refused lines' problems; a line read again keeps one row per problem. */
  async recordLineErrors(tenant: string, jobId: string, errors: readonly JobLineError[]): Promise<void> {
    if (errors.length === 0) return;
    const seq = new Map<number, number>();
    const seqs = errors.map((error) => {
      const next = seq.get(error.line) ?? 0;
      seq.set(error.line, next + 1);
      return next;
    });
    await this.pool.query(
      `insert into job_line_errors (tenant, job_id, line, seq, request_id, code, message, field)
       select $1, $2, * from unnest($3::integer[], $4::smallint[], $5::text[], $6::text[], $7::text[], $8::text[])
       on conflict (tenant, job_id, line, seq) do update
         set request_id = excluded.request_id, code = excluded.code, message = excluded.message, field = excluded.field`,
      [
        tenant,
        jobId,
        errors.map((error) => error.line),
        seqs,
        errors.map((error) => error.requestId),
        errors.map((error) => error.code),
        errors.map((error) => error.message),
        errors.map((error) => error.field),
      ],
    );
  }

  /**
   * Refused lines' problems after the cursor (a line and the problem's position on it; none: from the
   * start), in line order, at most `limit`: a page of GET /v1/jobs/:id/errors.
   */
  async lineErrors(tenant: string, jobId: string, after: LineErrorCursor | undefined, limit: number): Promise<StoredLineError[]> {
    const { rows } = await this.pool.query<{ line: number; seq: number; request_id: string; code: string; message: string; field: string }>(
      `select line, seq, request_id, code, message, field from job_line_errors
        where tenant = $1 and job_id = $2 and (line, seq) > ($3, $4)
        order by line, seq limit $5`,
      [tenant, jobId, after?.line ?? 0, after?.seq ?? -1, limit],
    );
    return rows.map((row) => ({
      line: row.line,
      seq: row.seq,
      requestId: row.request_id,
      code: row.code as FieldError['code'],
      message: row.message,
      field: row.field,
    }));
  }

  /** The job's recorded requests counted by lane and outcome: one pass over the job's index. */
  async progress(tenant: string, jobId: string): Promise<JobProgressCounts> {
    const { rows } = await this.pool.query<{ lane: Lane | null; total: string; succeeded: string; failed: string }>(
      `select lane, count(*) as total, count(*) filter (where status = 'succeeded') as succeeded,
              count(*) filter (where status = 'failed') as failed
         from requests where tenant = $1 and job_id = $2 group by lane`,
      [tenant, jobId],
    );
    const counts: JobProgressCounts = { total: 0, succeeded: 0, failed: 0, byLane: new Map() };
    for (const row of rows) {
      const lane = { total: Number(row.total), succeeded: Number(row.succeeded), failed: Number(row.failed) };
      counts.byLane.set(row.lane, lane);
      counts.total += lane.total;
      counts.succeeded += lane.succeeded;
      counts.failed += lane.failed;
    }
    return counts;
  }

  /**
   * Delivered results of the job's requests after `afterLine`, in line order, at most `limit`: a
   * page of GET /v1/jobs/:id/results. Lines without a delivered result yet are left out.
   */
  async results(tenant: string, jobId: string, afterLine: number, limit: number): Promise<JobResultLine[]> {
    const { rows } = await this.pool.query<{ job_line: number; result: InferenceResultV1 }>(
      `select r.job_line, c.result
         from requests r join completions c on c.tenant = r.tenant and c.request_id = r.id
        where r.tenant = $1 and r.job_id = $2 and r.job_line > $3 and c.result is not null
        order by r.job_line limit $4`,
      [tenant, jobId, afterLine, limit],
    );
    return rows.map((row) => ({ line: row.job_line, result: row.result }));
  }
}
