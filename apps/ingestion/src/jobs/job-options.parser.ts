import { ErrorCode, FieldError, isInstant, JOB_ID_PATTERN, MAX_LATENCY_MS_LIMIT, OPERATIONS, parseDuration, PROVIDERS, REQUEST_MODES } from '@sluice/contracts';
import type { JobDefaults } from '@sluice/ledger';

/** The query string of POST /v1/jobs: the job's id (optional) and the defaults its lines get. */
export const JOB_OPTION_NAMES = ['id', 'deadline', 'mode', 'provider', 'operation'] as const;

/** What a client asked of a job: its id, if it chose one, and the options as written. */
export interface JobRequestOptions {
  jobId?: string;
  /** Without `id`: the defaults as the client wrote them (`{ deadline: '6h', mode: 'auto' }`). */
  options: Record<string, string>;
}

export type ParsedJobOptions = ({ ok: true } & JobRequestOptions) | { ok: false; error: FieldError };

const ENUMS: Readonly<Record<string, readonly string[]>> = { mode: REQUEST_MODES, provider: PROVIDERS, operation: OPERATIONS };

/** Content types a JSONL upload may be sent as (parameters such as charset aside). */
export const JSONL_CONTENT_TYPES = ['application/x-ndjson', 'application/jsonl', 'application/x-jsonlines'] as const;

export function isJsonlContentType(contentType: string | undefined): boolean {
  const type = contentType?.split(';')[0].trim().toLowerCase();
  return type !== undefined && (JSONL_CONTENT_TYPES as readonly string[]).includes(type);
}

function invalid(field: string, message: string, code = ErrorCode.INVALID_FIELD): ParsedJobOptions {
  return { ok: false, error: { code, message, field } };
}

function deadlineProblem(text: string): string | undefined {
  if (isInstant(text)) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) return 'deadline must be a duration such as 6h, 90m or 1h30m, or an ISO-8601 instant with an offset';
  if (ms <= 0 || ms > MAX_LATENCY_MS_LIMIT) return `deadline must be more than 0 and at most ${MAX_LATENCY_MS_LIMIT / 86_400_000} days away`;
  return undefined;
}

/**
 * Reads the query string of POST /v1/jobs. Every option is checked before a line is read, and an
 * unknown one is refused rather than ignored: a misspelt `deadlin=6h` would otherwise route a
 * million requests without the deadline their sender meant.
 */
export function parseJobOptions(query: Readonly<Record<string, unknown>>): ParsedJobOptions {
  const options: Record<string, string> = {};
  let jobId: string | undefined;
  for (const [name, value] of Object.entries(query)) {
    if (!(JOB_OPTION_NAMES as readonly string[]).includes(name)) {
      return invalid(name, `unknown option "${name}"; a job takes ${JOB_OPTION_NAMES.join(', ')}`, ErrorCode.UNKNOWN_FIELD);
    }
    if (typeof value !== 'string') return invalid(name, `${name} must be given once`);
    if (name === 'id') {
      if (!JOB_ID_PATTERN.test(value)) return invalid('id', 'id must be 1-48 characters of A-Z, a-z, 0-9, _ or -');
      jobId = value;
      continue;
    }
    const allowed = ENUMS[name];
    if (allowed !== undefined && !allowed.includes(value)) return invalid(name, `${name} must be one of ${allowed.join(', ')}`);
    if (name === 'deadline') {
      const problem = deadlineProblem(value);
      if (problem !== undefined) return invalid('deadline', problem);
    }
    options[name] = value;
  }
  return { ok: true, ...(jobId !== undefined && { jobId }), options };
}

/**
 * The defaults a new job applies, fixed when it is created: a relative deadline counts from then.
 * A job posted again keeps the defaults it got the first time, so its lines come out the same.
 */
export function resolveJobDefaults(options: Readonly<Record<string, string>>, createdAt: Date): JobDefaults {
  const { deadline, ...rest } = options;
  if (deadline === undefined) return { ...rest };
  const instant = isInstant(deadline) ? new Date(deadline) : new Date(createdAt.getTime() + (parseDuration(deadline) ?? 0));
  return { ...rest, deadline: instant.toISOString() };
}
