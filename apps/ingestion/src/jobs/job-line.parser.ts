import { canonicalJson, clipNesting, ErrorCode, FieldError, InferenceRequestV1 } from '@sluice/contracts';
import { JobDefaults, sha256Hex } from '@sluice/ledger';
import { validateSubmittedItem } from '../http/submissions/submission.parser';
import type { JsonlLine } from './jsonl.lines';

export interface JobLineContext {
  /** The API key's tenant: every line acts for it. */
  tenant: string;
  jobId: string;
  defaults: JobDefaults;
}

/** A line as a request (`requestId`: its own id, or the one derived from its position), or why it is refused. */
export type ParsedJobLine =
  | { ok: true; line: number; requestId: string; request: InferenceRequestV1 }
  | { ok: false; line: number; requestId: string; errors: [FieldError, ...FieldError[]]; attempt: string };

/**
 * The id of a line that brings none: the job's id and the line number, so posting the same job again
 * names the same requests, and the ledger sees duplicates rather than new work.
 */
export function jobRequestId(jobId: string, line: number): string {
  return `${jobId}-${line}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function refused(line: number, requestId: string, error: FieldError, attempt: string): ParsedJobLine {
  return { ok: false, line, requestId, errors: [error], attempt: sha256Hex(attempt).slice(0, 16) };
}

/** The job's defaults for what the line leaves out; a line's own deadline or maxLatencyMs wins over the job's deadline. */
function withDefaults(item: Record<string, unknown>, defaults: JobDefaults): Record<string, unknown> {
  const filled = { ...item };
  if (defaults.deadline !== undefined && filled.deadline === undefined && filled.maxLatencyMs === undefined) filled.deadline = defaults.deadline;
  for (const field of ['mode', 'provider', 'operation'] as const) {
    if (defaults[field] !== undefined && filled[field] === undefined) filled[field] = defaults[field];
  }
  return filled;
}

/**
 * One non-blank line of a job, read with the same rules as a request posted alone (the same
 * validation, the same tenant rule), after the job's defaults are filled in. A line naming another
 * tenant is refused on its own; the job goes on.
 */
export function parseJobLine(line: JsonlLine, context: JobLineContext): ParsedJobLine {
  const derivedId = jobRequestId(context.jobId, line.number);
  const where = `${context.jobId}/${line.number}`;
  if (line.kind === 'too-long') {
    const message = `the line is ${line.bytes} bytes; a request may be at most the single-request body limit`;
    return refused(line.number, derivedId, { code: ErrorCode.PAYLOAD_TOO_LARGE, message, field: '' }, `${where}/too-long/${line.bytes}`);
  }
  if (line.kind === 'not-utf8') {
    return refused(line.number, derivedId, { code: ErrorCode.INVALID_JSON, message: 'the line is not UTF-8 text', field: '' }, `${where}/not-utf8`);
  }
  let json: unknown;
  try {
    json = JSON.parse(line.text);
  } catch (error) {
    const message = `the line is not valid JSON: ${error instanceof Error ? error.message : 'unreadable'}`;
    return refused(line.number, derivedId, { code: ErrorCode.INVALID_JSON, message, field: '' }, line.text);
  }
  if (isObject(json) && json.tenant !== undefined && json.tenant !== context.tenant) {
    const error = { code: ErrorCode.FORBIDDEN, message: "the line names a tenant other than the API key's", field: 'tenant' };
    return refused(line.number, derivedId, error, canonicalJson(clipNesting(json)));
  }
  const item = validateSubmittedItem(isObject(json) ? withDefaults(json, context.defaults) : json, context.tenant, () => derivedId);
  if (!item.ok) return { ok: false, line: line.number, requestId: item.requestId, errors: item.errors, attempt: item.attempt };
  return { ok: true, line: line.number, requestId: item.request.id ?? derivedId, request: item.request };
}
