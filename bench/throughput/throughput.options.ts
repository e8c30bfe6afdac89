import { KAFKA_DRIVERS, DEFAULT_KAFKA_DRIVER, type KafkaDriverName } from '@sluice/kafka';
import { BenchUsageError, FlagSpec, fraction, positiveInt, readFlags } from '../support/bench.args';

export interface ThroughputOptions {
  /** Requests produced to sluice.requests.v1, and messages through the baseline pipe. */
  requests: number;
  /** Share of chat requests (15 min deadline: async lane); the rest are embeddings (48 h: batch lane). */
  chatShare: number;
  /** Messages per produce request, for Sluice and the baseline alike. */
  produceChunk: number;
  /** Produce requests in flight at once. */
  produceConcurrency: number;
  /** How long to wait for the last lane message before reporting what arrived. */
  timeoutS: number;
  /** Start every Sluice service, not only ingestion and the router (the two the requests pass). */
  allServices: boolean;
  skipBaseline: boolean;
  /** The Kafka drivers Sluice runs on, one after another against the same baseline (KAFKA_DRIVER of the services). */
  drivers: KafkaDriverName[];
  /** Semi-space sizes (MiB) ingestion and the router run with, each driver with each in turn; null for V8's default (SLUICE_SEMI_SPACE_MIB). */
  semiSpaces: Array<number | null>;
}

export const DEFAULT_THROUGHPUT_OPTIONS: ThroughputOptions = {
  requests: 200_000,
  chatShare: 0.5,
  produceChunk: 100,
  produceConcurrency: 8,
  timeoutS: 3_600,
  allServices: false,
  skipBaseline: false,
  drivers: [DEFAULT_KAFKA_DRIVER],
  semiSpaces: [null],
};

const d = DEFAULT_THROUGHPUT_OPTIONS;

export const THROUGHPUT_USAGE = `npm run bench -- throughput [options]
  --requests <n>             requests produced, and messages through the baseline pipe (default ${d.requests})
  --chat-share <0..1>        chat requests (15 min deadline, async lane); the rest embeddings (48 h, batch lane) (default ${d.chatShare})
  --produce-chunk <n>        messages per produce request (default ${d.produceChunk})
  --produce-concurrency <n>  produce requests in flight (default ${d.produceConcurrency})
  --timeout <s>              how long to wait for the last lane message; then what arrived is reported (default ${d.timeoutS})
  --all-services             start all five services, not only ingestion and the router
  --skip-baseline            Sluice only (the JSON then has no ratio)
  --drivers <list>           Kafka drivers the services run on, each in turn after the one baseline: ${KAFKA_DRIVERS.join(', ')} (default ${d.drivers.join(',')})
  --semi-spaces <list>       ingestion's and the router's semi-space sizes in MiB, or "default", each measured in turn with each driver (default default)`;

const SPEC: FlagSpec = {
  requests: { type: 'string' },
  'chat-share': { type: 'string' },
  'produce-chunk': { type: 'string' },
  'produce-concurrency': { type: 'string' },
  timeout: { type: 'string' },
  'all-services': { type: 'boolean' },
  'skip-baseline': { type: 'boolean' },
  drivers: { type: 'string' },
  'semi-spaces': { type: 'string' },
};

function driversOf(value: unknown): KafkaDriverName[] {
  if (typeof value !== 'string') return d.drivers;
  const names = value.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(KAFKA_DRIVERS as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) throw new BenchUsageError(`--drivers takes ${KAFKA_DRIVERS.join(', ')}, not "${value}"`);
  return names as KafkaDriverName[];
}

function semiSpacesOf(value: unknown): Array<number | null> {
  if (typeof value !== 'string') return d.semiSpaces;
  return value.split(',').map((item) => {
    const text = item.trim();
    if (text === 'default') return null;
    const mib = Number(text);
    if (!Number.isInteger(mib) || mib <= 0) throw new BenchUsageError(`--semi-spaces takes sizes in MiB or "default", not "${value}"`);
    return mib;
  });
}

export function parseThroughputOptions(argv: readonly string[]): ThroughputOptions {
  const values = readFlags(argv, SPEC, THROUGHPUT_USAGE);
  return {
    requests: positiveInt(values, 'requests', d.requests),
    chatShare: fraction(values, 'chat-share', d.chatShare),
    produceChunk: positiveInt(values, 'produce-chunk', d.produceChunk),
    produceConcurrency: positiveInt(values, 'produce-concurrency', d.produceConcurrency),
    timeoutS: positiveInt(values, 'timeout', d.timeoutS),
    allServices: values['all-services'] === true,
    skipBaseline: values['skip-baseline'] === true,
    drivers: driversOf(values.drivers),
    semiSpaces: semiSpacesOf(values['semi-spaces']),
  };
}
