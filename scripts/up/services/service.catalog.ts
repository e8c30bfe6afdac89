import { join } from 'node:path';

export const SLUICE_APPS = ['ingestion', 'router', 'realtime-worker', 'batch-aggregator', 'result-notifier'] as const;
export type SluiceApp = (typeof SLUICE_APPS)[number];
export const EMULATOR = 'provider-emulator';
export type ServiceName = SluiceApp | typeof EMULATOR;

export interface ServiceSpec {
  name: ServiceName;
  /** The port `npm run up` gives it: the defaults every engineer and doc assumes. */
  defaultPort: number;
}

/**
 * Every process of a full local Sluice, in pipeline order (which is also the order `down` stops
 * them in: the entry first, so nothing new comes in while the rest drains; the emulator last, so
 * in-flight provider calls can still finish).
 */
export const SERVICES: readonly ServiceSpec[] = [
  { name: 'ingestion', defaultPort: 3000 },
  { name: 'router', defaultPort: 3001 },
  { name: 'realtime-worker', defaultPort: 3002 },
  { name: 'batch-aggregator', defaultPort: 3003 },
  { name: 'result-notifier', defaultPort: 3004 },
  { name: EMULATOR, defaultPort: 4010 },
];

/** Ports of a service's further copies: copy k listens on its default port + (k - 1) × this. */
export const COPY_PORT_STRIDE = 100;

/** Most copies of one app `npm run up` starts: each is a whole process, on a small machine. */
export const MAX_COPIES = 16;

/**
 * One process of a service: copy 1 is the service as it always ran (its default port, its log
 * file); copies 2… share its consumer groups and split its partitions between them. A `bulk`
 * process runs only the service's bulk consumer groups (see BULK_APART), beside its copies.
 */
export interface ServiceInstance {
  name: ServiceName;
  copy: number;
  role?: 'bulk';
}

/** `router` for the first copy, `router-2` for the second, `router-bulk`: names records, log files and client ids. */
export function instanceId({ name, copy, role }: ServiceInstance): string {
  if (role === 'bulk') return `${name}-bulk`;
  return copy === 1 ? name : `${name}-${copy}`;
}

/** The bulk process of an app listens this far above the app's port (copies are 100 apart). */
export const BULK_PORT_OFFSET = 50;

export function instancePort(spec: ServiceSpec, copy: number, role?: 'bulk'): number {
  if (role === 'bulk') return spec.defaultPort + BULK_PORT_OFFSET;
  return spec.defaultPort + COPY_PORT_STRIDE * (copy - 1);
}

/**
 * Apps whose consumer groups split into urgent and bulk work (KAFKA_CONSUMER_GROUPS names them:
 * `main` is the app's own group). The bulk groups run in a process of their own at a lower CPU
 * priority, so on a busy machine the kernel runs urgent work first; ordering inside Kafka is
 * already separate (their own topics and groups), this separates the CPU.
 */
export const BULK_APART: Partial<Record<SluiceApp, { urgent: readonly string[]; bulk: readonly string[]; bulkHttp?: string }>> = {
  // Job uploads are bulk work too: the urgent copies stream them to the bulk process's HTTP API.
  ingestion: { urgent: ['main'], bulk: ['bulk'], bulkHttp: 'INGESTION_JOBS_UPSTREAM' },
  router: { urgent: ['urgent'], bulk: ['main'] },
};

/** Apps that do only bulk work: all their processes run at the bulk priority. */
export const BULK_ONLY: readonly SluiceApp[] = ['batch-aggregator'];

/** The niceness of bulk processes: well below urgent ones, still enough to keep up when the machine is idle. */
export const BULK_NICENESS = 10;

/**
 * What makes a process urgent or bulk when an app's bulk work runs apart: its consumer groups, its
 * CPU priority, and for urgent copies where the bulk process's HTTP API is (`bulkUrl`), when the app
 * hands it bulk HTTP work. Empty when it runs together (every group in one process, default priority).
 */
export function roleEnv(instance: ServiceInstance, bulkApart: boolean, bulkUrl?: string): Record<string, string> {
  if (!bulkApart || instance.name === EMULATOR) return {};
  if (BULK_ONLY.includes(instance.name)) return { NICENESS: String(BULK_NICENESS) };
  const split = BULK_APART[instance.name];
  if (split === undefined) return {};
  return instance.role === 'bulk'
    ? { KAFKA_CONSUMER_GROUPS: split.bulk.join(','), NICENESS: String(BULK_NICENESS) }
    : {
        KAFKA_CONSUMER_GROUPS: split.urgent.join(','),
        ...(split.bulkHttp !== undefined && bulkUrl !== undefined ? { [split.bulkHttp]: bulkUrl } : {}),
      };
}

/** The webpack bundle `npm run build` leaves for an app (nest-cli.json: entry file main). */
export function bundlePath(repoRoot: string, service: ServiceName): string {
  return join(repoRoot, 'dist', 'apps', service, 'main.js');
}

/** What a service's command line contains: how a pid is confirmed to still be the process we started. */
export function processMarker(service: ServiceName): string {
  return join('dist', 'apps', service, 'main.js');
}

export interface ServiceEnvInputs {
  kafkaBrokers: string;
  databaseUrl: string;
  /** Base URL of the provider emulator, e.g. http://127.0.0.1:4010. */
  emulatorUrl: string;
  port: number;
  logLevel?: string;
  /** Consumer group id; unset keeps the app's own default (`sluice-<app>`). */
  groupId?: string;
  /** Kafka client id, so the broker's logs and quotas tell copies apart; unset keeps the app's default. */
  clientId?: string;
}

/**
 * Variables a parent's environment must not leak into a service: one exported KAFKA_GROUP_ID or
 * PORT would otherwise give all five apps the same group or port.
 */
const PER_SERVICE_VARIABLES = ['PORT', 'EMULATOR_PORT', 'KAFKA_GROUP_ID', 'KAFKA_CLIENT_ID', 'KAFKA_CONSUMER_GROUPS', 'NICENESS', 'INGESTION_JOBS_UPSTREAM'];

/**
 * The environment a service runs with: the caller's, minus per-service variables, plus where the
 * broker, the ledger and the providers are. Provider base URLs point at the emulator unless the
 * caller set them (real providers then, with the caller's keys).
 */
export function serviceEnv(service: ServiceName, inputs: ServiceEnvInputs, base: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...base };
  for (const name of PER_SERVICE_VARIABLES) delete env[name];
  if (inputs.logLevel !== undefined) env.LOG_LEVEL = inputs.logLevel;
  if (service === EMULATOR) {
    return { ...env, EMULATOR_PORT: String(inputs.port), EMULATOR_HOST: '127.0.0.1' };
  }
  return {
    ...env,
    PORT: String(inputs.port),
    KAFKA_BROKERS: inputs.kafkaBrokers,
    DATABASE_URL: inputs.databaseUrl,
    OPENAI_BASE_URL: base.OPENAI_BASE_URL || `${inputs.emulatorUrl}/v1`,
    ANTHROPIC_BASE_URL: base.ANTHROPIC_BASE_URL || inputs.emulatorUrl,
    ...(inputs.groupId !== undefined ? { KAFKA_GROUP_ID: inputs.groupId } : {}),
    ...(inputs.clientId !== undefined ? { KAFKA_CLIENT_ID: inputs.clientId } : {}),
  };
}

/** The batch-aggregator's heap besides its open windows: the service itself, fetched batches and pages in flight (measured, bench/README.md). */
export const AGGREGATOR_HEAP_BASE_MIB = 64;
/** What one request waiting in an open window costs the heap: its entry, keys and ids (about 300 bytes measured), twice over. */
export const AGGREGATOR_HEAP_BYTES_PER_WAITING_REQUEST = 640;
/**
 * The batch-aggregator's young generation, per semi-space. V8's default (16 MiB on 64-bit) commits
 * more than the aggregator's short-lived garbage (a fetched batch, a page of events) needs at once.
 */
export const AGGREGATOR_SEMI_SPACE_MIB = 8;
/** BatchAggregatorConfig's default BATCH_WINDOWS_MAX_WAITING. */
const DEFAULT_MAX_WAITING = 100_000;

/**
 * V8 flags a service starts with. The batch-aggregator's old space is capped by what it can hold: a
 * small entry per request waiting in its windows (at most BATCH_WINDOWS_MAX_WAITING together) on top
 * of a fixed base. Without a cap V8 sizes the heap by the machine, and a process that allocates fast
 * (a lane backlog read at full speed) grows to several times what it keeps before it collects. Its
 * young generation is held smaller than V8's default too (about 15 MiB less resident memory).
 * SLUICE_SEMI_SPACE_MIB sets the other services' semi-spaces (V8's default when unset): a larger young
 * generation trades resident memory for less garbage-collection time where every message is several
 * short-lived copies of a request (bench/README.md, `throughput`).
 */
export function nodeArgsFor(service: ServiceName, env: NodeJS.ProcessEnv): string[] {
  if (service !== 'batch-aggregator') {
    const semiSpace = Number(env.SLUICE_SEMI_SPACE_MIB);
    return service !== EMULATOR && Number.isInteger(semiSpace) && semiSpace > 0 ? [`--max-semi-space-size=${semiSpace}`] : [];
  }
  const configured = Number(env.BATCH_WINDOWS_MAX_WAITING);
  const maxWaiting = Number.isInteger(configured) && configured > 0 ? configured : DEFAULT_MAX_WAITING;
  const heapMiB = AGGREGATOR_HEAP_BASE_MIB + Math.ceil((maxWaiting * AGGREGATOR_HEAP_BYTES_PER_WAITING_REQUEST) / 2 ** 20);
  return [`--max-old-space-size=${heapMiB}`, `--max-semi-space-size=${AGGREGATOR_SEMI_SPACE_MIB}`];
}
