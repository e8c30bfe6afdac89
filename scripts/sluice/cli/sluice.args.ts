import { isInstant, JOB_ID_PATTERN, MAX_LATENCY_MS_LIMIT, OPERATIONS, parseDuration, PROVIDERS, REQUEST_MODES } from '@sluice/contracts';
import { parseArgs } from 'node:util';

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

export type SluiceCommand = { command: 'submit'; options: SubmitOptions } | { command: 'help' };

export const USAGE = `usage: npx sluice submit <requests.jsonl> [options]

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

/** Reads the command line; the environment supplies the URL and key when the options do not. */
export function parseSluiceArgs(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): SluiceCommand {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') return { command: 'help' };
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
