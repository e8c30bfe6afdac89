import { Pool } from 'pg';

/** An uploaded file of the OpenAI facade. */
export interface FacadeFileRecord {
  tenant: string;
  id: string;
  purpose: string;
  filename: string;
  bytes: number;
  /** False while its upload is still being written (or when it broke off). */
  complete: boolean;
  createdAt: Date;
}

/** A validation problem that failed a whole batch, as OpenAI reports it. */
export interface FacadeBatchError {
  code: string;
  message: string;
  line: number | null;
  param: string | null;
}

export interface FacadeBatchRecord {
  tenant: string;
  id: string;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  deadline: Date;
  createdAt: Date;
  cancelledAt: Date | null;
  /** Set when validation failed the batch: none of its lines became requests. */
  errors: FacadeBatchError[] | null;
}

export type NewFacadeBatch = Omit<FacadeBatchRecord, 'cancelledAt' | 'errors'>;

interface FileRow {
  tenant: string;
  id: string;
  purpose: string;
  filename: string;
  bytes: string;
  complete: boolean;
  created_at: Date;
}

interface BatchRow {
  tenant: string;
  id: string;
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  metadata: Record<string, string> | null;
  deadline: Date;
  created_at: Date;
  cancelled_at: Date | null;
  errors: FacadeBatchError[] | null;
}

function fileOf(row: FileRow): FacadeFileRecord {
  return {
    tenant: row.tenant,
    id: row.id,
    purpose: row.purpose,
    filename: row.filename,
    bytes: Number(row.bytes),
    complete: row.complete,
    createdAt: row.created_at,
  };
}

function batchOf(row: BatchRow): FacadeBatchRecord {
  return {
    tenant: row.tenant,
    id: row.id,
    endpoint: row.endpoint,
    inputFileId: row.input_file_id,
    completionWindow: row.completion_window,
    metadata: row.metadata,
    deadline: row.deadline,
    createdAt: row.created_at,
    cancelledAt: row.cancelled_at,
    errors: row.errors,
  };
}

const BATCH_COLUMNS = 'tenant, id, endpoint, input_file_id, completion_window, metadata, deadline, created_at, cancelled_at, errors';

/** The OpenAI facade's files (stored in parts) and batches. Every call names the tenant. */
export class FacadeBatchesRepository {
  constructor(private readonly pool: Pool) {}

  /** A file whose upload begins; its purpose is set when it completes (a multipart form may send it after the file). */
  async createFile(file: { tenant: string; id: string; filename: string; createdAt: Date }): Promise<void> {
    await this.pool.query(`insert into facade_files (tenant, id, purpose, filename, created_at) values ($1, $2, '', $3, $4)`, [
      file.tenant,
      file.id,
      file.filename,
      file.createdAt,
    ]);
  }

  /** One part of a file being uploaded, and the file's size so far, in one statement. */
  async appendPart(tenant: string, fileId: string, part: number, data: Buffer): Promise<void> {
    await this.pool.query(
      `with part as (insert into facade_file_parts (tenant, file_id, part, data) values ($1, $2, $3, $4))
       update facade_files set bytes = bytes + $5 where tenant = $1 and id = $2`,
      [tenant, fileId, part, data, data.length],
    );
  }

  async completeFile(tenant: string, fileId: string, purpose: string): Promise<FacadeFileRecord | undefined> {
    const { rows } = await this.pool.query<FileRow>(`update facade_files set complete = true, purpose = $3 where tenant = $1 and id = $2 returning *`, [
      tenant,
      fileId,
      purpose,
    ]);
    return rows[0] === undefined ? undefined : fileOf(rows[0]);
  }

  async file(tenant: string, id: string): Promise<FacadeFileRecord | undefined> {
    const { rows } = await this.pool.query<FileRow>(`select * from facade_files where tenant = $1 and id = $2`, [tenant, id]);
    return rows[0] === undefined ? undefined : fileOf(rows[0]);
  }

  /** The file's bytes, part by part, each part read on its own: constant memory whatever the file's size. */
  async *fileParts(tenant: string, id: string): AsyncGenerator<Buffer> {
    for (let part = 0; ; part += 1) {
      const { rows } = await this.pool.query<{ data: Buffer }>(`select data from facade_file_parts where tenant = $1 and file_id = $2 and part = $3`, [
        tenant,
        id,
        part,
      ]);
      if (rows[0] === undefined) return;
      yield rows[0].data;
    }
  }

  async createBatch(batch: NewFacadeBatch): Promise<FacadeBatchRecord> {
    const { rows } = await this.pool.query<BatchRow>(
      `insert into facade_batches (tenant, id, endpoint, input_file_id, completion_window, metadata, deadline, created_at)
       values ($1, $2, $3, $4, $5, $6, $7, $8) returning ${BATCH_COLUMNS}`,
      [batch.tenant, batch.id, batch.endpoint, batch.inputFileId, batch.completionWindow, batch.metadata, batch.deadline, batch.createdAt],
    );
    return batchOf(rows[0]);
  }

  async failBatch(tenant: string, id: string, errors: readonly FacadeBatchError[]): Promise<void> {
    await this.pool.query(`update facade_batches set errors = $3 where tenant = $1 and id = $2`, [tenant, id, JSON.stringify(errors)]);
  }

  async batch(tenant: string, id: string): Promise<FacadeBatchRecord | undefined> {
    const { rows } = await this.pool.query<BatchRow>(`select ${BATCH_COLUMNS} from facade_batches where tenant = $1 and id = $2`, [tenant, id]);
    return rows[0] === undefined ? undefined : batchOf(rows[0]);
  }

  /** Newest first, after the batch `after` (its id) when given, of the given endpoints (OpenAI's, or Anthropic's). */
  async batches(tenant: string, endpoints: readonly string[], after: string | undefined, limit: number): Promise<FacadeBatchRecord[]> {
    const { rows } = await this.pool.query<BatchRow>(
      `select ${BATCH_COLUMNS} from facade_batches
        where tenant = $1 and endpoint = any($2::text[])
          and ($3::text is null or (created_at, id) < (select created_at, id from facade_batches where tenant = $1 and id = $3))
        order by created_at desc, id desc limit $4`,
      [tenant, endpoints, after ?? null, limit],
    );
    return rows.map(batchOf);
  }

  /** Marks the batch cancelled (once); undefined when there is no such batch. */
  async cancelBatch(tenant: string, id: string, at: Date): Promise<FacadeBatchRecord | undefined> {
    const { rows } = await this.pool.query<BatchRow>(
      `update facade_batches set cancelled_at = coalesce(cancelled_at, $3) where tenant = $1 and id = $2 returning ${BATCH_COLUMNS}`,
      [tenant, id, at],
    );
    return rows[0] === undefined ? undefined : batchOf(rows[0]);
  }
}
