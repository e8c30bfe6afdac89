import { BenchUsageError, FlagSpec, positiveList, positiveNumber, readFlags } from '../support/bench.args';
import { KILLED_PROCESSES } from './chaos.plan';

export const FAULT_NAMES = ['db', 'broker', 'kill', 'provider', 'corpus'] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

export interface ChaosOptions {
  faults: FaultName[];
  /** Requests per second of the mixed load, open loop, through every step. */
  rate: number;
  /** Length of each PostgreSQL outage, seconds, one step each. */
  dbOutagesS: number[];
  /** The processes the kill fault kills, one step each, in this order. */
  killed: string[];
  /** How long the broker stays stopped. */
  brokerDownS: number;
  /** How long the emulator injects 429s, 500s and timeouts (and expires batches half done). */
  providerFaultS: number;
  /** Load before each fault starts. */
  leadS: number;
  /** Load after each fault ends: what recovery is measured on. */
  tailS: number;
  /** After the load of a step stops, how long to wait for its last results. */
  drainS: number;
  /** Deadline of realtime requests, seconds after sending. */
  realtimeDeadlineS: number;
  /** Deadline of async requests. */
  asyncDeadlineS: number;
  /** Deadline of batch requests. */
  batchDeadlineS: number;
  /** Slack after a fault's end within which a deadline counts as infeasible: the system must first notice that it is over. */
  graceS: number;
  /** The bench's own broker and state dir: the shared stack is never stopped. */
  brokers: string;
  stateDir: string;
}

/** Fault lengths as the issue asks; load and pauses sized for a shared two-core machine, where 20 req/s of five services already falls behind. */
export const DEFAULT_CHAOS_OPTIONS: ChaosOptions = {
  faults: ['db', 'broker', 'kill', 'provider', 'corpus'],
  rate: 10,
  dbOutagesS: [10, 60],
  killed: [...KILLED_PROCESSES],
  brokerDownS: 20,
  providerFaultS: 60,
  leadS: 5,
  tailS: 15,
  drainS: 180,
  realtimeDeadlineS: 30,
  asyncDeadlineS: 300,
  batchDeadlineS: 48 * 3600,
  graceS: 10,
  brokers: '127.0.0.1:9600',
  stateDir: '/tmp/sluice-chaos-state',
};

const d = DEFAULT_CHAOS_OPTIONS;

export const CHAOS_USAGE = `npm run bench -- chaos [options]
  --fault <list>          which faults, in this order (default ${d.faults.join(',')}; any of ${FAULT_NAMES.join(', ')})
  --rate <req/s>          mixed load, open loop, in every step (default ${d.rate})
  --db-outages <list>     seconds PostgreSQL refuses connections, one step each (default ${d.dbOutagesS.join(',')})
  --kill <list>           processes the kill fault kills, one step each (default all: ${d.killed.join(',')})
  --broker-down <s>       seconds the bench's broker stays stopped (default ${d.brokerDownS})
  --provider-fault <s>    seconds of 20 % 429, 10 % 500, 5 % timeouts and batches expiring half done (default ${d.providerFaultS})
  --lead <s>              load before each fault (default ${d.leadS})
  --tail <s>              load after each fault ends (default ${d.tailS})
  --drain <s>             wait for a step's last results after its load (default ${d.drainS})
  --realtime-deadline <s> (default ${d.realtimeDeadlineS})   --async-deadline <s> (default ${d.asyncDeadlineS})
  --grace <s>             a deadline up to this long after a fault's end is not counted as feasible (default ${d.graceS})
  --brokers <host:port>   the bench's own broker, started if nothing answers (default ${d.brokers}); never the shared one
  --state-dir <dir>       the bench's own stack state (default ${d.stateDir})`;

const SPEC: FlagSpec = {
  fault: { type: 'string' },
  rate: { type: 'string' },
  'db-outages': { type: 'string' },
  kill: { type: 'string' },
  'broker-down': { type: 'string' },
  'provider-fault': { type: 'string' },
  lead: { type: 'string' },
  tail: { type: 'string' },
  drain: { type: 'string' },
  'realtime-deadline': { type: 'string' },
  'async-deadline': { type: 'string' },
  grace: { type: 'string' },
  brokers: { type: 'string' },
  'state-dir': { type: 'string' },
};

/** The shared broker other engineers use: stopping it is never the bench's to do. */
const SHARED_BROKER = '127.0.0.1:9092';

export function parseChaosOptions(argv: readonly string[]): ChaosOptions {
  const values = readFlags(argv, SPEC, CHAOS_USAGE);
  const faultText = typeof values.fault === 'string' ? values.fault : undefined;
  const faults = faultText === undefined ? [...d.faults] : faultText.split(',').map((name) => name.trim());
  const unknown = faults.filter((name) => !(FAULT_NAMES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new BenchUsageError(`--fault takes ${FAULT_NAMES.join(', ')}; not ${unknown.join(', ')}`);
  if (new Set(faults).size !== faults.length) throw new BenchUsageError('--fault names a fault twice');
  const killed = typeof values.kill === 'string' ? values.kill.split(',').map((name) => name.trim()) : [...d.killed];
  const unknownKilled = killed.filter((name) => !(KILLED_PROCESSES as readonly string[]).includes(name));
  if (unknownKilled.length > 0) throw new BenchUsageError(`--kill takes ${KILLED_PROCESSES.join(', ')}; not ${unknownKilled.join(', ')}`);
  const brokers = typeof values.brokers === 'string' ? values.brokers : d.brokers;
  if (brokers.split(',').some((broker) => broker.trim() === SHARED_BROKER || broker.trim() === 'localhost:9092')) {
    throw new BenchUsageError(`--brokers must not be the shared broker (${SHARED_BROKER}): the bench stops its broker`);
  }
  return {
    faults: faults as FaultName[],
    rate: positiveNumber(values, 'rate', d.rate),
    dbOutagesS: positiveList(values, 'db-outages', d.dbOutagesS),
    killed,
    brokerDownS: positiveNumber(values, 'broker-down', d.brokerDownS),
    providerFaultS: positiveNumber(values, 'provider-fault', d.providerFaultS),
    leadS: positiveNumber(values, 'lead', d.leadS),
    tailS: positiveNumber(values, 'tail', d.tailS),
    drainS: positiveNumber(values, 'drain', d.drainS),
    realtimeDeadlineS: positiveNumber(values, 'realtime-deadline', d.realtimeDeadlineS),
    asyncDeadlineS: positiveNumber(values, 'async-deadline', d.asyncDeadlineS),
    batchDeadlineS: d.batchDeadlineS,
    graceS: positiveNumber(values, 'grace', d.graceS),
    brokers,
    stateDir: typeof values['state-dir'] === 'string' ? values['state-dir'] : d.stateDir,
  };
}
