import { JOB_ID_PATTERN } from '@sluice/contracts';
import type { FacadeBatchError, FacadeBatchesRepository, FacadeBatchRecord, FacadeFileRecord, JobsRepository, LineErrorCursor } from '@sluice/ledger';
import type { Trace } from '../../accept/accept.ports';
import type { JobIntakeHandler } from '../../jobs/job-intake.handler';
import { jsonlLines, JsonlLine } from '../../jobs/jsonl.lines';
import { openAIFailure, OpenAIFailure } from '../openai/openai.errors';
import { BATCH_ENDPOINTS, batchLineOf } from './batch-line.mapping';
import { deadlineOf } from './batch.deadline';
import { batchObject, resultFileOf } from './batch.view';
import { refusedLine, resultLine } from './batch-output.lines';

export type BatchStore = Pick<
  FacadeBatchesRepository,
  'createFile' | 'appendPart' | 'completeFile' | 'file' | 'fileParts' | 'createBatch' | 'failBatch' | 'batch' | 'batches' | 'cancelBatch'
>;

export interface OpenAIBatchesDeps {
  store: BatchStore;
  jobs: Pick<JobsRepository, 'get' | 'progress' | 'results' | 'lineErrors'>;
  intake: Pick<JobIntakeHandler, 'receive'>;
  clock: () => Date;
  newId: (prefix: 'file' | 'batch') => string;
  limits: { partBytes: number; maxLineBytes: number; maxFileBytes: number };
}

export type Answer = { ok: true; status: number; body: unknown } | { ok: false; failure: OpenAIFailure };

const UPLOAD_PURPOSES = ['batch', 'user_data'];
// OpenAI's only window; a batch's own deadline may be set tighter with metadata.sluice_deadline.
const COMPLETION_WINDOW = '24h';
const MAX_METADATA_ENTRIES = 16;
// The first problems of a file that fails validation; OpenAI lists them, not every one.
const LISTED_PROBLEMS = 100;
const PAGE = 1_000;

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

/** The lines of a stored file, one at a time. */
function linesOf(store: BatchStore, tenant: string, fileId: string, maxLineBytes: number): AsyncGenerator<JsonlLine> {
  return jsonlLines(store.fileParts(tenant, fileId), maxLineBytes);
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
  constructor(private readonly deps: OpenAIBatchesDeps) {}

  /** Stores an uploaded file as it arrives, in parts of `partBytes`; its purpose may come after its bytes. */
  async upload(tenant: string, filename: string, bytes: AsyncIterable<Buffer>, purpose: () => Promise<string | undefined>): Promise<Answer> {
    const { store, limits } = this.deps;
    const id = this.deps.newId('file');
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
      if (size > limits.maxFileBytes) return refused(`the file is larger than ${limits.maxFileBytes} bytes`, 'file', 'PAYLOAD_TOO_LARGE', 413);
      pending.push(chunk);
      pendingBytes += chunk.length;
      if (pendingBytes >= limits.partBytes) await flush();
    }
    await flush();
    const asked = await purpose();
    if (asked === undefined) return refused("Missing required parameter: 'purpose'.", 'purpose');
    if (!UPLOAD_PURPOSES.includes(asked)) return refused(`purpose must be one of ${UPLOAD_PURPOSES.join(', ')}`, 'purpose');
    const file = await store.completeFile(tenant, id, asked);
    return { ok: true, status: 200, body: fileObject(file!) };
  }

  async file(tenant: string, id: string): Promise<Answer> {
    const result = resultFileOf(id);
    if (result !== undefined) {
      const batch = await this.deps.store.batch(tenant, result.batchId);
      if (batch === undefined) return this.noFile(id);
      let bytes = 0;
      for await (const text of this.resultContent(tenant, batch, result.kind)) bytes += Buffer.byteLength(text);
      return { ok: true, status: 200, body: fileObject({ id, purpose: 'batch_output', filename: `${result.kind}.jsonl`, bytes, createdAt: batch.createdAt }) };
    }
    const file = await this.deps.store.file(tenant, id);
    if (file === undefined || !file.complete) return this.noFile(id);
    return { ok: true, status: 200, body: fileObject(file) };
  }

  /** A file's content as it is read, or the failure to answer instead. */
  async content(tenant: string, id: string): Promise<{ ok: true; chunks: AsyncIterable<Buffer | string> } | Extract<Answer, { ok: false }>> {
    const result = resultFileOf(id);
    if (result !== undefined) {
      const batch = await this.deps.store.batch(tenant, result.batchId);
      if (batch === undefined) return this.noFile(id);
      return { ok: true, chunks: this.resultContent(tenant, batch, result.kind) };
    }
    const file = await this.deps.store.file(tenant, id);
    if (file === undefined || !file.complete) return this.noFile(id);
    return { ok: true, chunks: this.deps.store.fileParts(tenant, id) };
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
    const file = await this.deps.store.file(tenant, inputFileId);
    if (file === undefined || !file.complete) return this.noFile(inputFileId);
    if (file.purpose !== 'batch') return refused(`file ${inputFileId} was not uploaded with purpose batch`, 'input_file_id');

    const createdAt = this.deps.clock();
    const deadline = deadlineOf(checked.metadata?.sluice_deadline, createdAt);
    if (deadline === undefined) return refused('metadata.sluice_deadline must be a duration such as 2h or an ISO-8601 instant with an offset', 'metadata');
    const id = this.deps.newId('batch');
    const batch = await this.deps.store.createBatch({
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
      await this.deps.store.failBatch(tenant, id, problems);
      return this.retrieve(tenant, id);
    }
    const reply = await this.deps.intake.receive(
      tenant,
      { id, deadline: deadline.toISOString() },
      'application/x-ndjson',
      this.requestLines(tenant, batch),
      trace,
    );
    if (reply.status >= 400) {
      const error = 'error' in reply.body ? reply.body.error : { code: 'INTERNAL', message: 'the batch could not be taken in' };
      await this.deps.store.failBatch(tenant, id, [{ code: error.code.toLowerCase(), message: error.message, line: null, param: null }]);
    }
    return this.retrieve(tenant, id);
  }

  async retrieve(tenant: string, id: string): Promise<Answer> {
    const batch = await this.deps.store.batch(tenant, id);
    if (batch === undefined) return refused(`No batch found with id '${id}'.`, null, 'NOT_FOUND', 404);
    return { ok: true, status: 200, body: await this.batchObject(batch) };
  }

  async list(tenant: string, after: string | undefined, limit: number): Promise<Answer> {
    const batches = await this.deps.store.batches(tenant, after, limit + 1);
    const page = batches.slice(0, limit);
    const data = await Promise.all(page.map((batch) => this.batchObject(batch)));
    return {
      ok: true,
      status: 200,
      body: { object: 'list', data, first_id: page[0]?.id ?? null, last_id: page.at(-1)?.id ?? null, has_more: batches.length > limit },
    };
  }

  async cancel(tenant: string, id: string): Promise<Answer> {
    const batch = await this.deps.store.cancelBatch(tenant, id, this.deps.clock());
    if (batch === undefined) return refused(`No batch found with id '${id}'.`, null, 'NOT_FOUND', 404);
    return { ok: true, status: 200, body: await this.batchObject(batch) };
  }

  private async batchObject(batch: FacadeBatchRecord): Promise<Record<string, unknown>> {
    if (batch.errors !== null || !JOB_ID_PATTERN.test(batch.id)) {
      return batchObject(batch, { job: undefined, counts: { total: 0, succeeded: 0, failed: 0, byLane: new Map() } });
    }
    const [job, counts] = await Promise.all([this.deps.jobs.get(batch.tenant, batch.id), this.deps.jobs.progress(batch.tenant, batch.id)]);
    return batchObject(batch, { job, counts });
  }

  private noFile(id: string): Extract<Answer, { ok: false }> {
    return { ok: false, failure: openAIFailure('NOT_FOUND', `No such File object: ${id}`, { status: 404, field: 'id' }) };
  }

  /** The first problems that fail the batch, as OpenAI's validation reports them; none for a good file. */
  private async validate(tenant: string, fileId: string, endpoint: string): Promise<FacadeBatchError[]> {
    const problems: FacadeBatchError[] = [];
    const seen = new Set<string>();
    let lines = 0;
    for await (const line of linesOf(this.deps.store, tenant, fileId, this.deps.limits.maxLineBytes)) {
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

  /** The batch's lines as Sluice request lines, numbered as in the file; only called on a file that validated. */
  private async *requestLines(tenant: string, batch: FacadeBatchRecord): AsyncGenerator<JsonlLine> {
    const seen = new Set<string>();
    for await (const line of linesOf(this.deps.store, tenant, batch.inputFileId, this.deps.limits.maxLineBytes)) {
      if (line.kind !== 'text' || line.text.trim() === '') {
        yield line;
        continue;
      }
      const checked = batchLineOf(line.text, line.number, batch.endpoint, seen);
      // Validated before: a line that fails now means the file changed, which the ledger does not allow.
      if (!checked.ok) throw new Error(`line ${line.number} of ${batch.inputFileId} no longer validates`);
      const text = JSON.stringify(checked.request);
      yield { number: line.number, bytes: Buffer.byteLength(text), kind: 'text', text };
    }
  }

  /**
   * The output file (succeeded lines) or the error file (failed lines, then lines Sluice refused, the
   * custom_id of each read back from the input file), in line order, page by page.
   */
  private async *resultContent(tenant: string, batch: FacadeBatchRecord, kind: 'output' | 'errors'): AsyncGenerator<string> {
    const wanted = kind === 'output' ? 'succeeded' : 'failed';
    for (let after = 0; ;) {
      const page = await this.deps.jobs.results(tenant, batch.id, after, PAGE);
      const text = page
        .filter((item) => item.result.status === wanted)
        .map((item) => `${resultLine(item.result)}\n`)
        .join('');
      if (text !== '') yield text;
      if (page.length < PAGE) break;
      after = page[page.length - 1].line;
    }
    if (kind === 'errors') yield* this.refusedLines(tenant, batch);
  }

  private async *refusedLines(tenant: string, batch: FacadeBatchRecord): AsyncGenerator<string> {
    const refusedByLine = new Map<number, { requestId: string; code: string; message: string }>();
    let cursor: LineErrorCursor | undefined;
    for (;;) {
      const page = await this.deps.jobs.lineErrors(tenant, batch.id, cursor, PAGE);
      for (const error of page) if (!refusedByLine.has(error.line)) refusedByLine.set(error.line, error);
      if (page.length < PAGE) break;
      cursor = page[page.length - 1];
    }
    if (refusedByLine.size === 0) return;
    for await (const line of linesOf(this.deps.store, tenant, batch.inputFileId, this.deps.limits.maxLineBytes)) {
      const error = refusedByLine.get(line.number);
      if (error === undefined) continue;
      const customId = line.kind === 'text' ? ((JSON.parse(line.text) as { custom_id?: string }).custom_id ?? null) : null;
      yield `${refusedLine(error.requestId, customId, error.code, error.message)}\n`;
    }
  }
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
