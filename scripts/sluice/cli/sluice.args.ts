import {
  isInstant,
  JOB_ID_PATTERN,
  MAX_LATENCY_MS_LIMIT,
  OPERATIONS,
  parseDuration,
  PROVIDERS,
  REQUEST_MODES,
  TOPIC_NAME_PATTERN,
  Topics,
} from '@sluice/contracts';
import { parseArgs } from 'node:util';
import { DlqFilter, parseTimeBound } from '../dlq/dlq.filter';

export const DEFAULT_URL = 'http://127.0.0.1:3000';
export const DEFAULT_POLL_MS = 2_000;

export interface SubmitOptions {
  file: string;
  url: string;
  key: string;
  /** Where the results go; default: the input's name with `.results.jsonl`. */
  out: string;
  /** Defaults for lines that do not set them, as the job's query string takes them. */
  deadline?: string;
  mode?: string;
  provider?: string;
  operation?: string;
  /** The job id; default: derived from the file and the options, so running the same command again is the same job. */
  jobId?: string;
  pollMs: number;
}

export const DLQ_ACTIONS = ['list', 'replay', 'drop'] as const;
export type DlqAction = (typeof DLQ_ACTIONS)[number];

export interface DlqOptions {
  action: DlqAction;
  dlqTopic: string;
  filter: DlqFilter;
  /** At most this many entries (after filtering, in partition and offset order). */
  limit?: number;
  /** list: JSON lines instead of text. */
  json: boolean;
  /** list: replayed and dropped entries too. */
  all: boolean;
  /** replay, drop: say what would be done, do nothing. */
  dryRun: boolean;
}

export type SluiceCommand = { command: 'submit'; options: SubmitOptions } | { command: 'dlq'; options: DlqOptions } | { command: 'help' };

export const USAGE = `usage: npx sluice submit <requests.jsonl> [options]
       npx sluice dlq list|replay|drop [filters] [options]

submit

Uploads a JSONL file of requests (one request object per line, as POST /v1/requests takes it) as a
bulk job, shows its progress until every request is answered, and writes the results as JSONL, one
result per answered line, in line order. Running the same command again follows the same job: nothing
is submitted twice, and an upload that broke off is completed.

options:
  --deadline <when>    default deadline of lines without one: a duration (6h, 90m, 1h30m, at most 30d)
                       or an ISO-8601 instant; work that can wait goes to the cheaper batch lane
  --mode <mode>        default mode: ${REQUEST_MODES.join(', ')}
  --provider <name>    default provider: ${PROVIDERS.join(', ')}
  --operation <op>     default operation: ${OPERATIONS.join(', ')}
  --out <file>         where to write the results (default: <input>.results.jsonl)
  --url <url>          the ingestion API (default: $SLUICE_URL, else ${DEFAULT_URL})
  --key <api key>      an API key, slc_... (default: $SLUICE_API_KEY; npm run keys -- create --tenant <t>)
  --job-id <id>        the job's id (default: derived from the file's content and the options)
  --poll <duration>    how often to ask for progress (default ${DEFAULT_POLL_MS / 1000}s)

exit status: 0 every line answered successfully; 3 the job finished with refused lines or failed
requests (see the results, and GET /v1/jobs/<id>/errors); 2 a usage error; 1 anything else.

dlq
Messages a service could not handle wait on the dead-letter topic with the reason in headers.
  list     prints the entries not yet replayed or dropped, one line each: DLQ partition/offset, when it
           was dead-lettered, original topic[partition]@offset, reason code, tenant and request id (when
           the value is JSON naming them), message
  replay   produces each entry's original key, value and headers (without the dead-letter headers, with
           x-sluice-replayed-from) to its original topic, and records it in the ledger: running the same
           replay again replays nothing twice. Consumers are idempotent on request ids.
  drop     records the entries as dropped: list hides them and replay skips them. Kafka cannot delete
           single records, so they stay on the topic until its retention removes them.
           drop needs at least one filter.

filters (all must match):
  --reason <CODE>      the error code (x-sluice-error-code), e.g. INVALID_JSON, RETRIES_EXHAUSTED
  --tenant <tenant>    the tenant named in the value
  --topic <topic>      the original topic
  --since <when>       dead-lettered at or after: an ISO-8601 instant, or a duration ago (2h, 1d)
  --until <when>       dead-lettered before, the same way
  --entry <p/offset>   one entry by its DLQ partition and offset (repeatable), as list prints it

options:
  --limit <n>          at most n entries
  --json               list: one JSON object per line (with key and value as text)
  --all                list: replayed and dropped entries too, marked as such
  --dry-run            replay, drop: print what would be done and do nothing
  --dlq-topic <topic>  the dead-letter topic (default ${Topics.Dlq})
The broker and ledger are $KAFKA_BROKERS (default 127.0.0.1:9092) and $DATABASE_URL (default the local
sluice database). Replays are signed with $SLUICE_INTERNAL_SIGNING_KEY (the services' key; default the
development key), or Sluice's consumers refuse them. exit status: 0 done; 2 a usage error; 1 anything else.
`;

export class UsageError extends Error {}

function deadlineProblem(text: string): string | undefined {
  // isInstant is a type guard over unknown input: used directly as the condition it would narrow `text` to never below.
  const instant: boolean = isInstant(text);
  if (instant) return undefined;
  const ms = parseDuration(text);
  if (ms === undefined) return `--deadline "${text}" is neither a duration (6h, 90m, 1h30m) nor an ISO-8601 instant with an offset`;
  if (ms <= 0 || ms > MAX_LATENCY_MS_LIMIT) return `--deadline must be more than 0 and at most ${MAX_LATENCY_MS_LIMIT / 86_400_000} days away`;
  return undefined;
}

function oneOf(name: string, value: string | undefined, allowed: readonly string[]): string | undefined {
  if (value !== undefined && !allowed.includes(value)) throw new UsageError(`--${name} must be one of ${allowed.join(', ')}, not "${value}"`);
  return value;
}

/** The results file next to the input: `requests.jsonl` → `requests.results.jsonl`. */
export function defaultOutPath(file: string): string {
  return `${file.replace(/\.(jsonl|ndjson)$/i, '')}.results.jsonl`;
}

/** Reads the command line; the environment supplies the URL and key when the options do not, `nowMs` anchors `--since 2h`. */
export function parseSluiceArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, nowMs = Date.now()): SluiceCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
  if (command === 'dlq') return parseDlqArgs(rest, nowMs);
  if (command !== 'submit') throw new UsageError(`unknown command "${command}"`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      allowPositionals: true,
      strict: true,
      options: {
        deadline: { type: 'string' },
        mode: { type: 'string' },
        provider: { type: 'string' },
        operation: { type: 'string' },
        out: { type: 'string' },
        url: { type: 'string' },
        key: { type: 'string' },
        'job-id': { type: 'string' },
        poll: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0] : String(error));
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  if (positionals.length !== 1)
    throw new UsageError(positionals.length === 0 ? 'submit needs the JSONL file to upload' : `submit takes one file, not ${positionals.join(' ')}`);
  const [file] = positionals;
  // An empty variable counts as unset, as shells make it easy to export one by accident.
  const fromEnv = (name: string): string | undefined => (env[name] === '' ? undefined : env[name]);
  const key = values.key ?? fromEnv('SLUICE_API_KEY');
  if (key === undefined || key === '') throw new UsageError('an API key is needed: --key slc_... or SLUICE_API_KEY (npm run keys -- create --tenant <tenant>)');
  const url = values.url ?? fromEnv('SLUICE_URL') ?? DEFAULT_URL;
  if (!/^https?:\/\/[^/]/.test(url)) throw new UsageError(`--url must be an http(s) URL, not "${url}"`);
  if (values.deadline !== undefined) {
    const problem = deadlineProblem(values.deadline);
    if (problem !== undefined) throw new UsageError(problem);
  }
  const jobId = values['job-id'];
  if (jobId !== undefined && !JOB_ID_PATTERN.test(jobId)) throw new UsageError('--job-id must be 1-48 characters of A-Z, a-z, 0-9, _ or -');
  let pollMs = DEFAULT_POLL_MS;
  if (values.poll !== undefined) {
    const ms = parseDuration(values.poll);
    if (ms === undefined || ms < 100) throw new UsageError(`--poll must be a duration of at least 100ms (2s, 500ms), not "${values.poll}"`);
    pollMs = ms;
  }
  return {
    command: 'submit',
    options: {
      file,
      url: url.replace(/\/+$/, ''),
      key,
      out: values.out ?? defaultOutPath(file),
      deadline: values.deadline,
      mode: oneOf('mode', values.mode, REQUEST_MODES),
      provider: oneOf('provider', values.provider, PROVIDERS),
      operation: oneOf('operation', values.operation, OPERATIONS),
      jobId,
      pollMs,
    },
  };
}

const REASON_PATTERN = /^[A-Z][A-Z0-9_]{0,63}$/;
const ENTRY_PATTERN = /^(\d{1,9})\/(\d{1,19})$/;

function timeBound(name: string, text: string | undefined, nowMs: number): number | undefined {
  if (text === undefined) return undefined;
  const ms = parseTimeBound(text, nowMs);
  if (ms === undefined) throw new UsageError(`--${name} "${text}" is neither an ISO-8601 instant with an offset nor a duration (2h, 1d)`);
  return ms;
}

function topicName(name: string, text: string | undefined): string | undefined {
  if (text !== undefined && !TOPIC_NAME_PATTERN.test(text)) throw new UsageError(`--${name} "${text}" is not a topic name`);
  return text;
}

function parseDlqArgs(argv: readonly string[], nowMs: number): SluiceCommand {
  const [action, ...rest] = argv;
  if (action === undefined || action === '--help' || action === '-h' || action === 'help') return { command: 'help' };
  if (!(DLQ_ACTIONS as readonly string[]).includes(action)) throw new UsageError(`dlq takes ${DLQ_ACTIONS.join(', ')}, not "${action}"`);
  let parsed;
  try {
    parsed = parseArgs({
      args: [...rest],
      strict: true,
      options: {
        reason: { type: 'string' },
        tenant: { type: 'string' },
        topic: { type: 'string' },
        since: { type: 'string' },
        until: { type: 'string' },
        entry: { type: 'string', multiple: true },
        limit: { type: 'string' },
        json: { type: 'boolean' },
        all: { type: 'boolean' },
        'dry-run': { type: 'boolean' },
        'dlq-topic': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.split('\n')[0] : String(error));
  }
  const { values } = parsed;
  if (values.help) return { command: 'help' };
  const only = (name: 'json' | 'all' | 'dry-run', actions: readonly DlqAction[]): boolean => {
    if (values[name] && !actions.includes(action as DlqAction)) throw new UsageError(`--${name} is for dlq ${actions.join(' and ')}`);
    return values[name] === true;
  };
  if (values.reason !== undefined && !REASON_PATTERN.test(values.reason))
    throw new UsageError(`--reason must be an error code such as INVALID_JSON, not "${values.reason}"`);
  if (values.tenant === '') throw new UsageError('--tenant must not be empty');
  const entries = (values.entry ?? []).map((text) => {
    const match = ENTRY_PATTERN.exec(text);
    if (match === null) throw new UsageError(`--entry must be <partition>/<offset> as dlq list prints it, not "${text}"`);
    return { partition: Number(match[1]), offset: BigInt(match[2]).toString() };
  });
  const filter: DlqFilter = {
    reason: values.reason,
    tenant: values.tenant,
    topic: topicName('topic', values.topic),
    sinceMs: timeBound('since', values.since, nowMs),
    untilMs: timeBound('until', values.until, nowMs),
    entries: entries.length > 0 ? entries : undefined,
  };
  for (const key of Object.keys(filter) as Array<keyof DlqFilter>) if (filter[key] === undefined) delete filter[key];
  if (action === 'drop' && Object.keys(filter).length === 0)
    throw new UsageError('dlq drop needs at least one filter (--reason, --tenant, --topic, --since, --until or --entry)');
  let limit: number | undefined;
  if (values.limit !== undefined) {
    if (!/^\d{1,9}$/.test(values.limit) || Number(values.limit) < 1) throw new UsageError(`--limit must be a positive whole number, not "${values.limit}"`);
    limit = Number(values.limit);
  }
  return {
    command: 'dlq',
    options: {
      action: action as DlqAction,
      dlqTopic: topicName('dlq-topic', values['dlq-topic']) ?? Topics.Dlq,
      filter,
      limit,
      json: only('json', ['list']),
      all: only('all', ['list']),
      dryRun: only('dry-run', ['replay', 'drop']),
    },
  };
}
