import { BenchUsageError, FlagSpec, positiveInt, positiveNumber, readFlags } from '../support/bench.args';
import { PHASE_NAMES, PhaseName } from './isolation.plan';

export interface IsolationOptions {
  /** Realtime chat requests per second, open loop, through every phase. */
  rate: number;
  /** Seconds of the phase without disturbance. */
  aloneS: number;
  /** Longest a disturbed phase lasts: it ends when the disturbance's requests are all on the batch lane, or after this. */
  windowS: number;
  /** Lines of the bulk job (a). */
  jobLines: number;
  /** Requests produced to sluice.requests.bulk.v1 (b). */
  bulkRequests: number;
  /** Deadline of each realtime request, seconds after it is sent. */
  deadlineS: number;
  warmupS: number;
  /** How long to wait for a phase's last realtime answers. */
  drainS: number;
  /** How long to wait, between phases, for the run's consumer groups to catch up. */
  settleS: number;
  outputTokens: number;
  phases: PhaseName[];
}

export const DEFAULT_ISOLATION_OPTIONS: IsolationOptions = {
  rate: 50,
  aloneS: 60,
  windowS: 600,
  jobLines: 200_000,
  bulkRequests: 200_000,
  deadlineS: 20,
  warmupS: 5,
  drainS: 60,
  settleS: 300,
  outputTokens: 16,
  phases: ['alone', 'job', 'bulk'],
};

const d = DEFAULT_ISOLATION_OPTIONS;

export const ISOLATION_USAGE = `npm run bench -- isolation [options]
  --rate <req/s>        realtime chat, open loop, in every phase (default ${d.rate})
  --alone <s>           length of the undisturbed phase (default ${d.aloneS})
  --window <s>          longest a disturbed phase lasts; it ends earlier once the disturbance is all on the batch lane (default ${d.windowS})
  --job-lines <n>       lines of the bulk job uploaded with POST /v1/jobs (default ${d.jobLines})
  --bulk-requests <n>   embedding requests (48 h) produced to sluice.requests.bulk.v1 (default ${d.bulkRequests})
  --deadline <s>        deadline of each realtime request (default ${d.deadlineS})
  --warmup <s>          unmeasured load before the first phase (default ${d.warmupS})
  --drain <s>           wait for a phase's last realtime answers (default ${d.drainS})
  --settle <s>          wait between phases for the run's consumer groups to catch up (default ${d.settleS})
  --output-tokens <n>   reply size of the realtime requests (default ${d.outputTokens})
  --phases <list>       which phases, in order (default ${d.phases.join(',')}); alone must come first`;

const SPEC: FlagSpec = {
  rate: { type: 'string' },
  alone: { type: 'string' },
  window: { type: 'string' },
  'job-lines': { type: 'string' },
  'bulk-requests': { type: 'string' },
  deadline: { type: 'string' },
  warmup: { type: 'string' },
  drain: { type: 'string' },
  settle: { type: 'string' },
  'output-tokens': { type: 'string' },
  phases: { type: 'string' },
};

export function parseIsolationOptions(argv: readonly string[]): IsolationOptions {
  const values = readFlags(argv, SPEC, ISOLATION_USAGE);
  const phasesText = typeof values.phases === 'string' ? values.phases : undefined;
  const phases = phasesText === undefined ? [...d.phases] : phasesText.split(',').map((name) => name.trim());
  const unknown = phases.filter((name) => !(PHASE_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new BenchUsageError(`--phases takes ${PHASE_NAMES.join(', ')}; not ${unknown.join(', ')}`);
  if (phases[0] !== 'alone') throw new BenchUsageError('--phases must start with alone: the other phases are measured against it');
  if (new Set(phases).size !== phases.length) throw new BenchUsageError('--phases names a phase twice');
  return {
    rate: positiveNumber(values, 'rate', d.rate),
    aloneS: positiveNumber(values, 'alone', d.aloneS),
    windowS: positiveNumber(values, 'window', d.windowS),
    jobLines: positiveInt(values, 'job-lines', d.jobLines),
    bulkRequests: positiveInt(values, 'bulk-requests', d.bulkRequests),
    deadlineS: positiveNumber(values, 'deadline', d.deadlineS),
    warmupS: positiveNumber(values, 'warmup', d.warmupS),
    drainS: positiveNumber(values, 'drain', d.drainS),
    settleS: positiveNumber(values, 'settle', d.settleS),
    outputTokens: positiveInt(values, 'output-tokens', d.outputTokens),
    phases: phases as PhaseName[],
  };
}
