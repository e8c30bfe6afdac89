import { ErrorCode, FieldError } from '@sluice/contracts';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { WorkValve } from '@sluice/kafka';
import type { JobLine, JobLineError, JobsRepository, JobStatus } from '@sluice/ledger';
import type { IntakeCounters, Trace } from '../accept/accept.ports';
import type { AcceptRequestsHandler } from '../accept/accept-requests.handler';
import { ApiErrorBody, apiErrorBody } from '../http/errors/api.error';
import { JobLinks, jobLinks } from './job.links';
import { attemptOf } from '../accept/intake.messages';
import { refuseMissingReplyTopics, ReplyTopics } from '../accept/reply-topics.cache';
import type { TenantAdmission } from '../tenants/tenant.admission';
import { JobLineContext, parseJobLine, ParsedJobLine } from './job-line.parser';
import { isJsonlContentType, JSONL_CONTENT_TYPES, parseJobOptions, resolveJobDefaults } from './job-options.parser';
import type { JsonlLine } from './jsonl.lines';

export type JobLedger = Pick<JobsRepository, 'open' | 'recordIntake' | 'recordLineErrors'>;
export type JobIntake = Pick<AcceptRequestsHandler, 'accept' | 'reject'>;

export interface JobIntakeLimits {
  /** Lines recorded and published together: one multi-row insert and one producer call. */
  chunkLines: number;
  /** ... or fewer, once their bytes reach this: the produce request for a chunk stays well under the broker's limits. */
  chunkBytes: number;
  /** Chunks recorded and published at the same time, while the next lines are read and checked. */
  chunksInFlight: number;
  /** Most non-blank lines one upload may carry. */
  maxLines: number;
}

export interface JobIntakePorts {
  jobs: JobLedger;
  intake: JobIntake;
  counters: IntakeCounters;
  clock: () => Date;
  newJobId: (now: Date) => string;
  limits: JobIntakeLimits;
  /** A job is deferrable work: each chunk waits its turn while urgent work flows. */
  valve: WorkValve;
  /** Each line's `replyTo` against the tenant's prefixes, as for a request posted alone. */
  tenants: TenantAdmission;
  /** Each chunk's `replyTo` topics, looked up once per chunk. */
  replyTopics: ReplyTopics;
}

/** A refused line's problem as the API shows it. */
export interface JobLineErrorView extends FieldError {
  line: number;
  id: string;
}

export interface JobReceipt {
  id: string;
  status: JobStatus;
  /** False when the job existed (the same id and options were posted before): nothing is recorded twice. */
  created: boolean;
  /** Non-blank lines read. */
  lines: number;
  /** Lines recorded as this job's requests, new or from an earlier post of the job. */
  accepted: number;
  /** Of the accepted lines, those recorded by an earlier post of the same job. */
  duplicates: number;
  /** Lines refused; each of their problems is at links.errors. */
  invalid: number;
  /** The first problems of refused lines, in line order. */
  errors: JobLineErrorView[];
  links: JobLinks;
}

export type JobIntakeReply = { status: 200 | 202; body: JobReceipt } | { status: 400 | 409 | 413 | 415; body: ApiErrorBody };

// A receipt names the first problems; the rest are read from GET /v1/jobs/:id/errors.
const LISTED_ERRORS = 100;

/** What one upload has read and decided so far. */
interface Upload {
  context: JobLineContext;
  trace: Trace;
  lines: number;
  accepted: number;
  duplicates: number;
  invalidLines: number;
  listed: JobLineErrorView[];
}

function failure(status: 400 | 409 | 413 | 415, code: ErrorCode, message: string, field?: string): JobIntakeReply {
  return { status, body: apiErrorBody(code, message, { field }) };
}

function isBlank(line: JsonlLine): boolean {
  return line.kind === 'text' && line.text.trim() === '';
}

function refusedLine(parsed: Extract<ParsedJobLine, { ok: true }>, first: FieldError, ...others: FieldError[]): ParsedJobLine {
  return { ok: false, line: parsed.line, requestId: parsed.requestId, errors: [first, ...others], attempt: attemptOf(parsed.request) };
}

function takenElsewhere(parsed: Extract<ParsedJobLine, { ok: true }>, jobId: string, owner: JobLine | undefined): FieldError {
  const where =
    owner === undefined ? 'a request posted on its own' : owner.id === jobId ? `line ${owner.line} of this job` : `line ${owner.line} of job ${owner.id}`;
  return { code: ErrorCode.DUPLICATE_ID_CONFLICT, message: `request id ${parsed.requestId} is already used by ${where}`, field: 'id' };
}

/**
 * POST /v1/jobs as a use case: a JSONL upload read line by line, each line validated like a request
 * posted alone and given the job's defaults, valid lines recorded in the ledger with their job line
 * and published to the router chunk by chunk, refused lines recorded with their problems, and the
 * job's counts kept current while it reads. Requests are idempotent by id, and a line without one is
 * named after the job and line, so an upload that broke off, or a job posted again under its id,
 * creates nothing twice.
 */
export class JobIntakeHandler {
  constructor(private readonly ports: JobIntakePorts) {}

  async receive(
    tenant: string,
    query: Readonly<Record<string, unknown>>,
    contentType: string | undefined,
    lines: AsyncIterable<JsonlLine>,
    trace: Trace,
  ): Promise<JobIntakeReply> {
    if (!isJsonlContentType(contentType)) {
      this.ports.counters.rejected(ErrorCode.INVALID_JSON);
      return failure(415, ErrorCode.INVALID_JSON, `send the job as JSON Lines, with Content-Type: ${JSONL_CONTENT_TYPES.join(' or ')}`);
    }
    const parsed = parseJobOptions(query);
    if (!parsed.ok) {
      this.ports.counters.rejected(parsed.error.code);
      return failure(400, parsed.error.code, parsed.error.message, parsed.error.field);
    }
    const now = this.ports.clock();
    const id = parsed.jobId ?? this.ports.newJobId(now);
    const opened = await this.ports.jobs.open({ tenant, id, options: parsed.options, defaults: resolveJobDefaults(parsed.options, now), createdAt: now });
    if (opened.outcome === 'conflict') {
      this.ports.counters.rejected(ErrorCode.DUPLICATE_ID_CONFLICT);
      const message = `job ${id} already exists with other options (${JSON.stringify(opened.job.options)}); post it with those, or under another id`;
      return failure(409, ErrorCode.DUPLICATE_ID_CONFLICT, message, 'id');
    }
    const upload: Upload = {
      context: { tenant, jobId: id, defaults: opened.job.defaults },
      trace,
      lines: 0,
      accepted: 0,
      duplicates: 0,
      invalidLines: 0,
      listed: [],
    };
    const tooMany = await this.read(upload, lines).catch(async (error: unknown) => {
      // Best effort: the job shows it broke off; posting it again under its id picks up where it stopped.
      await this.recordIntake(upload, 'interrupted').catch(() => undefined);
      throw error;
    });
    const status: JobStatus = tooMany ? 'interrupted' : 'received';
    await this.recordIntake(upload, status);
    if (tooMany) {
      this.ports.counters.rejected(ErrorCode.PAYLOAD_TOO_LARGE);
      const message =
        `a job carries at most ${this.ports.limits.maxLines} lines: the first ${upload.lines} were taken as job ${id} ` +
        `(GET /v1/jobs/${id}), the rest was not read; post the rest as another job`;
      return failure(413, ErrorCode.PAYLOAD_TOO_LARGE, message);
    }
    return {
      status: opened.outcome === 'created' ? 202 : 200,
      body: {
        id,
        status,
        created: opened.outcome === 'created',
        lines: upload.lines,
        accepted: upload.accepted,
        duplicates: upload.duplicates,
        invalid: upload.invalidLines,
        errors: upload.listed,
        links: jobLinks(id),
      },
    };
  }

  /**
   * Reads the lines chunk by chunk, keeping up to `chunksInFlight` chunks being recorded and published
   * while it reads on: the ledger, the broker and validation then work at the same time instead of in
   * turn. True when it stopped at the line limit with lines left.
   */
  private async read(upload: Upload, lines: AsyncIterable<JsonlLine>): Promise<boolean> {
    const { chunkLines, chunkBytes, chunksInFlight, maxLines } = this.ports.limits;
    const inFlight = new Set<Promise<void>>();
    let failure: { error: unknown } | undefined;
    const start = async (chunk: ParsedJobLine[]): Promise<void> => {
      // Waiting here stops reading too: the upload itself slows down while urgent work flows.
      const done = await this.ports.valve.admit();
      const flushing: Promise<void> = this.flush(upload, chunk)
        .catch((error: unknown) => {
          failure ??= { error };
        })
        .finally(() => {
          done();
          inFlight.delete(flushing);
        });
      inFlight.add(flushing);
    };
    const settle = async (): Promise<void> => {
      await Promise.all(inFlight);
      if (failure) throw failure.error;
    };
    let chunk: ParsedJobLine[] = [];
    let bytes = 0;
    let tooMany = false;
    try {
      for await (const line of lines) {
        if (failure) break;
        if (isBlank(line)) continue;
        if (upload.lines === maxLines) {
          tooMany = true;
          break;
        }
        upload.lines += 1;
        chunk.push(this.admitted(parseJobLine(line, upload.context), upload.context.tenant));
        bytes += line.bytes;
        if (chunk.length >= chunkLines || bytes >= chunkBytes) {
          await start(chunk);
          chunk = [];
          bytes = 0;
          if (inFlight.size >= chunksInFlight) await Promise.race(inFlight);
          // Lines already buffered are read and checked without ever leaving the microtask queue: let
          // the process's other work (urgent Kafka intake, other HTTP requests) run between chunks.
          await nextTurn();
        }
      }
    } catch (error) {
      // The upload broke off: what was read is still recorded before the failure goes up.
      failure ??= { error };
    }
    if (!failure && chunk.length > 0) await start(chunk);
    await settle();
    return tooMany;
  }

  /** A valid line as its tenant's policy takes it: refused like an invalid line when its `replyTo` is not allowed. */
  private admitted(parsed: ParsedJobLine, tenant: string): ParsedJobLine {
    if (!parsed.ok) return parsed;
    const [first, ...others] = this.ports.tenants.errors({ tenant, replyTo: parsed.request.replyTo });
    return first === undefined ? parsed : refusedLine(parsed, first, ...others);
  }

  private async flush(upload: Upload, read: readonly ParsedJobLine[]): Promise<void> {
    if (read.length === 0) return;
    const { jobId, tenant } = upload.context;
    const chunk = await refuseMissingReplyTopics(
      this.ports.replyTopics,
      read,
      (line) => (line.ok ? line.request.replyTo : undefined),
      (line, error) => (line.ok ? refusedLine(line, error) : line),
    );
    const valid = chunk.filter((line): line is Extract<ParsedJobLine, { ok: true }> => line.ok);
    const invalid = chunk.filter((line): line is Extract<ParsedJobLine, { ok: false }> => !line.ok);
    const problems: JobLineError[] = [];
    const acceptances = await this.ports.intake.accept(
      // A job is bulk work by its sender's choice: no line of it may take the urgent path.
      valid.map((line) => ({
        request: line.request,
        source: 'http' as const,
        assignedId: line.requestId,
        job: { id: jobId, line: line.line },
        bulk: true,
        trace: upload.trace,
      })),
    );
    acceptances.forEach((acceptance, index) => {
      const line = valid[index];
      if (acceptance.kind === 'conflict') {
        problems.push({ line: line.line, requestId: line.requestId, ...acceptance.error });
        return;
      }
      const owner = acceptance.record.job;
      if (owner?.id !== jobId || owner.line !== line.line) {
        // The id is a request of its own already (a single POST, another job, another line of this
        // one): the line cannot become this job's request, and reporting it beats losing it silently.
        this.ports.counters.rejected(ErrorCode.DUPLICATE_ID_CONFLICT);
        problems.push({ line: line.line, requestId: line.requestId, ...takenElsewhere(line, jobId, owner) });
        return;
      }
      upload.accepted += 1;
      if (acceptance.duplicate) upload.duplicates += 1;
    });
    await this.ports.intake.reject(
      invalid.map((line) => ({ tenant, requestId: line.requestId, errors: line.errors, attempt: line.attempt, trace: upload.trace })),
    );
    for (const line of invalid) problems.push(...line.errors.map((error) => ({ line: line.line, requestId: line.requestId, ...error })));
    problems.sort((a, b) => a.line - b.line);
    await this.ports.jobs.recordLineErrors(tenant, jobId, problems);
    upload.invalidLines += new Set(problems.map((problem) => problem.line)).size;
    // Chunks finish in any order; the receipt lists the first problems by line.
    upload.listed.push(...problems.slice(0, LISTED_ERRORS).map(({ requestId, ...problem }) => ({ ...problem, id: requestId })));
    upload.listed.sort((a, b) => a.line - b.line);
    upload.listed.length = Math.min(upload.listed.length, LISTED_ERRORS);
    await this.recordIntake(upload, 'receiving');
  }

  private recordIntake(upload: Upload, status: JobStatus): Promise<void> {
    return this.ports.jobs.recordIntake(upload.context.tenant, upload.context.jobId, { lines: upload.lines, invalidLines: upload.invalidLines }, status);
  }
}
