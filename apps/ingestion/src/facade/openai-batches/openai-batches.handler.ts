import type { FacadeBatchError, FacadeBatchRecord, FacadeFileRecord } from '@sluice/ledger';
import type { Trace } from '../../accept/accept.ports';
import { BatchJobs, BatchStore } from '../batches/batch-jobs';
import { openAIFailure, OpenAIFailure } from '../openai/openai.errors';
import { BATCH_ENDPOINTS, batchLineOf } from './batch-line.mapping';
import { deadlineOf } from './batch.deadline';
import { batchObject, resultFileOf } from './batch.view';
import { refusedLine, resultLine } from './batch-output.lines';

export interface OpenAIBatchesDeps {
  batchJobs: BatchJobs;
  clock: () => Date;
  newBatchId: () => string;
}

export type Answer = { ok: true; status: number; body: unknown } | { ok: false; failure: OpenAIFailure };

const UPLOAD_PURPOSES = ['batch', 'user_data'];
// OpenAI's only window; a batch's own deadline may be set tighter with metadata.sluice_deadline.
const COMPLETION_WINDOW = '24h';
const MAX_METADATA_ENTRIES = 16;
// The first problems of a file that fails validation; OpenAI lists them, not every one.
const LISTED_PROBLEMS = 100;

function refused(message: string, param: string | null = null, code = 'INVALID_FIELD', status = 400): Answer {
  return { ok: false, failure: openAIFailure(code, message, { status, field: param ?? undefined }) };
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/** OpenAI's File object. */
export function fileObject(file: Pick<FacadeFileRecord, 'id' | 'purpose' | 'filename' | 'bytes' | 'createdAt'>): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: seconds(file.createdAt),
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
  };
}

/**
 * OpenAI's Files and Batch APIs over Sluice. A file is stored in the ledger in parts. A batch is
 * checked as OpenAI checks it (every line JSON, a unique custom_id, POST to the batch's endpoint;
 * any problem fails the whole batch, and nothing of it runs), then becomes a bulk job of the same id:
 * each line a Sluice request with the batch's deadline (its completion window, or
 * metadata.sluice_deadline), its custom_id in the request's metadata. Sluice routes the lines like any
 * other (they may share provider batches with other work, and the deadline guard escalates those at
 * risk); the batch's status and counts are the job's progress, and its output and error files are
 * made from the job's results when read.
 */
export class OpenAIBatches {
  private readonly batchJobs: BatchJobs;

  constructor(private readonly deps: OpenAIBatchesDeps) {
    this.batchJobs = deps.batchJobs;
  }

  private get store(): BatchStore {
    return this.batchJobs.store;
  }

  /** Stores an uploaded file as it arrives, in parts; its purpose may come after its bytes. */
  async upload(tenant: string, filename: string, bytes: AsyncIterable<Buffer>, purpose: () => Promise<string | undefined>): Promise<Answer> {
    const stored = await this.batchJobs.storeFile(tenant, filename, bytes);
    if (stored.tooLarge) return refused('the file is larger than this service takes (INGESTION_FACADE_FILE_MAX_BYTES)', 'file', 'PAYLOAD_TOO_LARGE', 413);
    const asked = await purpose();
    if (asked === undefined) return refused("Missing required parameter: 'purpose'.", 'purpose');
    if (!UPLOAD_PURPOSES.includes(asked)) return refused(`purpose must be one of ${UPLOAD_PURPOSES.join(', ')}`, 'purpose');
    const file = await this.store.completeFile(tenant, stored.id, asked);
    return { ok: true, status: 200, body: fileObject(file!) };
  }

  async file(tenant: string, id: string): Promise<Answer> {
    const result = resultFileOf(id);
    if (result !== undefined) {
      const batch = await this.find(tenant, result.batchId);
      if (batch === undefined) return this.noFile(id);
      let bytes = 0;
      for await (const text of this.resultContent(tenant, batch, result.kind)) bytes += Buffer.byteLength(text);
      return { ok: true, status: 200, body: fileObject({ id, purpose: 'batch_output', filename: `${result.kind}.jsonl`, bytes, createdAt: batch.createdAt }) };
    }
    const file = await this.store.file(tenant, id);
    if (!this.isUpload(file)) return this.noFile(id);
    return { ok: true, status: 200, body: fileObject(file) };
  }

  /** A file's content as it is read, or the failure to answer instead. */
  async content(tenant: string, id: string): Promise<{ ok: true; chunks: AsyncIterable<Buffer | string> } | Extract<Answer, { ok: false }>> {
    const result = resultFileOf(id);
    if (result !== undefined) {
      const batch = await this.find(tenant, result.batchId);
      if (batch === undefined) return this.noFile(id);
      return { ok: true, chunks: this.resultContent(tenant, batch, result.kind) };
    }
    if (!this.isUpload(await this.store.file(tenant, id))) return this.noFile(id);
    return { ok: true, chunks: this.store.fileParts(tenant, id) };
  }

  async create(tenant: string, json: unknown, trace: Trace): Promise<Answer> {
    if (typeof json !== 'object' || json === null || Array.isArray(json)) return refused('the request body must be a JSON object');
    const { input_file_id: inputFileId, endpoint, completion_window: window, metadata } = json as Record<string, unknown>;
    if (typeof inputFileId !== 'string') return refused("Missing required parameter: 'input_file_id'.", 'input_file_id');
    if (typeof endpoint !== 'string' || BATCH_ENDPOINTS[endpoint] === undefined) {
      return refused(`endpoint must be one of ${Object.keys(BATCH_ENDPOINTS).join(', ')}`, 'endpoint');
    }
    if (window !== COMPLETION_WINDOW) return refused(`completion_window must be ${COMPLETION_WINDOW}`, 'completion_window');
    const checked = checkMetadata(metadata);
    if (!checked.ok) return checked.answer;
    const file = await this.store.file(tenant, inputFileId);
    if (!this.isUpload(file)) return this.noFile(inputFileId);
    if (file.purpose !== 'batch') return refused(`file ${inputFileId} was not uploaded with purpose batch`, 'input_file_id');

    const createdAt = this.deps.clock();
    const deadline = deadlineOf(checked.metadata?.sluice_deadline, createdAt);
    if (deadline === undefined) return refused('metadata.sluice_deadline must be a duration such as 2h or an ISO-8601 instant with an offset', 'metadata');
    const id = this.deps.newBatchId();
    const batch = await this.store.createBatch({
      tenant,
      id,
      endpoint,
      inputFileId,
      completionWindow: COMPLETION_WINDOW,
      metadata: checked.metadata,
      deadline,
      createdAt,
    });
    const problems = await this.validate(tenant, inputFileId, endpoint);
    if (problems.length > 0) {
      await this.store.failBatch(tenant, id, problems);
      return this.retrieve(tenant, id);
    }
    const reply = await this.batchJobs.run(tenant, batch, (text, line) => requestOf(text, line, endpoint), trace);
    if (reply.status >= 400) {
      const error = 'error' in reply.body ? reply.body.error : { code: 'INTERNAL', message: 'the batch could not be taken in' };
      await this.store.failBatch(tenant, id, [{ code: error.code.toLowerCase(), message: error.message, line: null, param: null }]);
    }
    return this.retrieve(tenant, id);
  }

  async retrieve(tenant: string, id: string): Promise<Answer> {
    const batch = await this.find(tenant, id);
    if (batch === undefined) return refused(`No batch found with id '${id}'.`, null, 'NOT_FOUND', 404);
    return { ok: true, status: 200, body: await this.batchObject(batch) };
  }

  async list(tenant: string, after: string | undefined, limit: number): Promise<Answer> {
    const batches = await this.store.batches(tenant, Object.keys(BATCH_ENDPOINTS), after, limit + 1);
    const page = batches.slice(0, limit);
    const data = await Promise.all(page.map((batch) => this.batchObject(batch)));
    return {
      ok: true,
      status: 200,
      body: { object: 'list', data, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: batches.length > limit },
    };
  }

  async cancel(tenant: string, id: string): Promise<Answer> {
    if ((await this.find(tenant, id)) === undefined) return refused(`No batch found with id '${id}'.`, null, 'NOT_FOUND', 404);
    const batch = await this.store.cancelBatch(tenant, id, this.deps.clock());
    return { ok: true, status: 200, body: await this.batchObject(batch!) };
  }

  private async batchObject(batch: FacadeBatchRecord): Promise<Record<string, unknown>> {
    return batchObject(batch, await this.batchJobs.progress(batch));
  }

  private async find(tenant: string, id: string): Promise<FacadeBatchRecord | undefined> {
    const batch = await this.store.batch(tenant, id);
    return batch !== undefined && isOpenAIBatch(batch) ? batch : undefined;
  }

  /** A file uploaded through this API and complete; not the stored requests of an Anthropic batch. */
  private isUpload(file: FacadeFileRecord | undefined): file is FacadeFileRecord {
    return file !== undefined && file.complete && UPLOAD_PURPOSES.includes(file.purpose);
  }

  private noFile(id: string): Extract<Answer, { ok: false }> {
    return { ok: false, failure: openAIFailure('NOT_FOUND', `No such File object: ${id}`, { status: 404, field: 'id' }) };
  }

  /** The first problems that fail the batch, as OpenAI's validation reports them; none for a good file. */
  private async validate(tenant: string, fileId: string, endpoint: string): Promise<FacadeBatchError[]> {
    const problems: FacadeBatchError[] = [];
    const seen = new Set<string>();
    let lines = 0;
    for await (const line of this.batchJobs.lines(tenant, fileId)) {
      if (line.kind === 'text' && line.text.trim() === '') continue;
      lines += 1;
      const checked =
        line.kind === 'text'
          ? batchLineOf(line.text, line.number, endpoint, seen)
          : {
              ok: false as const,
              error: {
                code: 'invalid_json_line',
                message: `line ${line.number} is ${line.kind === 'too-long' ? 'too long' : 'not UTF-8'}`,
                line: line.number,
                param: null,
              },
            };
      if (!checked.ok && problems.length < LISTED_PROBLEMS) problems.push(checked.error);
    }
    if (lines === 0) problems.push({ code: 'empty_file', message: 'the input file has no requests', line: null, param: null });
    return problems;
  }

  /**
   * The output file (succeeded lines) or the error file (failed lines, then lines Sluice refused, the
   * custom_id of each read back from the input file), in line order, page by page.
   */
  private async *resultContent(tenant: string, batch: FacadeBatchRecord, kind: 'output' | 'errors'): AsyncGenerator<string> {
    const wanted = kind === 'output' ? 'succeeded' : 'failed';
    for await (const page of this.batchJobs.results(tenant, batch.id)) {
      const text = page
        .filter((result) => result.status === wanted)
        .map((result) => `${resultLine(result)}\n`)
        .join('');
      if (text !== '') yield text;
    }
    if (kind !== 'errors') return;
    for await (const line of this.batchJobs.refused(tenant, batch)) yield `${refusedLine(line.requestId, line.customId, line.code, line.message)}\n`;
  }
}

function isOpenAIBatch(batch: FacadeBatchRecord): boolean {
  return BATCH_ENDPOINTS[batch.endpoint] !== undefined;
}

/** A line that validated, as the Sluice request it becomes. */
function requestOf(text: string, line: number, endpoint: string): Record<string, unknown> {
  const checked = batchLineOf(text, line, endpoint, new Set());
  // Validated before: a line that fails now means the stored file changed, which nothing does.
  if (!checked.ok) throw new Error(`line ${line} of a validated batch file no longer validates`);
  return checked.request;
}

function checkMetadata(metadata: unknown): { ok: true; metadata: Record<string, string> | null } | { ok: false; answer: Answer } {
  if (metadata === undefined || metadata === null) return { ok: true, metadata: null };
  if (typeof metadata !== 'object' || Array.isArray(metadata)) return { ok: false, answer: refused('metadata must be an object of strings', 'metadata') };
  const entries = Object.entries(metadata as Record<string, unknown>);
  if (entries.length > MAX_METADATA_ENTRIES || entries.some(([, value]) => typeof value !== 'string')) {
    return { ok: false, answer: refused(`metadata must be at most ${MAX_METADATA_ENTRIES} string values`, 'metadata') };
  }
  return { ok: true, metadata: Object.fromEntries(entries) as Record<string, string> };
}
