import type { InferenceResultV1 } from '@sluice/contracts';
import type { FacadeBatchesRepository, FacadeBatchRecord, JobProgressCounts, JobRecord, JobsRepository, LineErrorCursor } from '@sluice/ledger';
import type { Trace } from '../../accept/accept.ports';
import type { JobIntakeHandler, JobIntakeReply } from '../../jobs/job-intake.handler';
import { jsonlLines, JsonlLine } from '../../jobs/jsonl.lines';

export type BatchStore = Pick<
  FacadeBatchesRepository,
  'createFile' | 'appendPart' | 'completeFile' | 'file' | 'fileParts' | 'createBatch' | 'failBatch' | 'batch' | 'batches' | 'cancelBatch'
>;

export type BatchJobReads = Pick<JobsRepository, 'get' | 'progress' | 'results' | 'lineErrors'>;

/** Where a batch's lines stand: the job that carries them (undefined before it exists) and its requests' outcomes. */
export interface BatchProgress {
  job: JobRecord | undefined;
  counts: JobProgressCounts;
}

/** A line Sluice refused: it never became a request. */
export interface RefusedBatchLine {
  requestId: string;
  /** The line's custom_id, read back from the batch's input file. */
  customId: string | null;
  code: string;
  message: string;
}

export interface BatchJobsDeps {
  store: BatchStore;
  jobs: BatchJobReads;
  intake: Pick<JobIntakeHandler, 'receive'>;
  clock: () => Date;
  newFileId: () => string;
  limits: { partBytes: number; maxLineBytes: number; maxFileBytes: number };
}

// Rows per ledger read while results are streamed: never a whole large batch in memory.
const PAGE = 1_000;

const NO_COUNTS: JobProgressCounts = { total: 0, succeeded: 0, failed: 0, byLane: new Map() };

/**
 * What the OpenAI and Anthropic batch facades share: a batch's input stored as a file in parts, its
 * lines run as a bulk job of the batch's id (JobIntakeHandler: the same validation, ledger and
 * bulk path as POST /v1/jobs), and its progress, results and refused lines read back from the job.
 */
export class BatchJobs {
  constructor(private readonly deps: BatchJobsDeps) {}

  get store(): BatchStore {
    return this.deps.store;
  }

  /** Stores a file as it arrives, in parts; `tooLarge` (the file never completes) when it goes over the size limit. */
  async storeFile(tenant: string, filename: string, bytes: AsyncIterable<Buffer>): Promise<{ id: string; tooLarge: boolean }> {
    const { store, limits } = this.deps;
    const id = this.deps.newFileId();
    await store.createFile({ tenant, id, filename, createdAt: this.deps.clock() });
    let part = 0;
    let size = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const flush = async (): Promise<void> => {
      if (pendingBytes === 0) return;
      await store.appendPart(tenant, id, part, Buffer.concat(pending, pendingBytes));
      part += 1;
      pending = [];
      pendingBytes = 0;
    };
    for await (const chunk of bytes) {
      size += chunk.length;
      if (size > limits.maxFileBytes) return { id, tooLarge: true };
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= limits.partBytes) await flush();
    }
    await flush();
    return { id, tooLarge: false };
  }

  /** The lines of a stored file, one at a time. */
  lines(tenant: string, fileId: string): AsyncGenerator<JsonlLine> {
    return jsonlLines(this.deps.store.fileParts(tenant, fileId), this.deps.limits.maxLineBytes);
  }

  /**
   * Runs the batch's input file as the job of the batch's id, each line as `toRequest` makes it a
   * Sluice request (the file validated before: a line it cannot map is a bug), with the batch's deadline.
   */
  async run(
    tenant: string,
    batch: FacadeBatchRecord,
    toRequest: (text: string, line: number) => Record<string, unknown>,
    trace: Trace,
  ): Promise<JobIntakeReply> {
    const lines = this.lines(tenant, batch.inputFileId);
    async function* requestLines(): AsyncGenerator<JsonlLine> {
      for await (const line of lines) {
        if (line.kind !== 'text' || line.text.trim() === '') {
          yield line;
          continue;
        }
        const text = JSON.stringify(toRequest(line.text, line.number));
        yield { number: line.number, bytes: Buffer.byteLength(text), kind: 'text', text };
      }
    }
    return this.deps.intake.receive(tenant, { id: batch.id, deadline: batch.deadline.toISOString() }, 'application/x-ndjson', requestLines(), trace);
  }

  async progress(batch: FacadeBatchRecord): Promise<BatchProgress> {
    if (batch.errors !== null) return { job: undefined, counts: NO_COUNTS };
    const [job, counts] = await Promise.all([this.deps.jobs.get(batch.tenant, batch.id), this.deps.jobs.progress(batch.tenant, batch.id)]);
    return { job, counts };
  }

  /** The delivered results of the batch's lines, in line order, page by page. */
  async *results(tenant: string, batchId: string): AsyncGenerator<InferenceResultV1[]> {
    for (let after = 0; ;) {
      const page = await this.deps.jobs.results(tenant, batchId, after, PAGE);
      if (page.length > 0) yield page.map((item) => item.result);
      if (page.length < PAGE) return;
      after = page[page.length - 1].line;
    }
  }

  /** The lines Sluice refused, in line order, each with its custom_id read back from the input file. */
  async *refused(tenant: string, batch: FacadeBatchRecord): AsyncGenerator<RefusedBatchLine> {
    const byLine = new Map<number, { requestId: string; code: string; message: string }>();
    let cursor: LineErrorCursor | undefined;
    for (;;) {
      const page = await this.deps.jobs.lineErrors(tenant, batch.id, cursor, PAGE);
      for (const error of page) if (!byLine.has(error.line)) byLine.set(error.line, error);
      if (page.length < PAGE) break;
      cursor = page[page.length - 1];
    }
    if (byLine.size === 0) return;
    for await (const line of this.lines(tenant, batch.inputFileId)) {
      const error = byLine.get(line.number);
      if (error === undefined) continue;
      yield { ...error, customId: line.kind === 'text' ? customIdIn(line.text) : null };
    }
  }
}

function customIdIn(text: string): string | null {
  try {
    const parsed = JSON.parse(text) as { custom_id?: unknown };
    return typeof parsed.custom_id === 'string' ? parsed.custom_id : null;
  } catch {
    return null;
  }
}
