import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isOurProcess, isRunning, pollUntil, spawnDetached, stopProcess, tailOf } from '../stack/process/process.control';
import { StackConfig } from '../stack/stack.config';
import { UpReport, bringUp } from '../stack/stack.up';
import { withStackLock } from '../stack/state/stack.lock';
import { ensureBundles } from './build/app.bundles';
import {
  BULK_APART,
  EMULATOR,
  SERVICES,
  ServiceInstance,
  ServiceName,
  ServiceSpec,
  bundlePath,
  instanceId,
  instancePort,
  processMarker,
  roleEnv,
  serviceEnv,
} from './services/service.catalog';
import { isReady, portIsFree } from './services/service.health';
import {
  ServiceRecord,
  copyOf,
  instanceOf,
  logFileOf,
  readServiceRecords,
  recordStartedStack,
  removeServiceRecord,
  servicesDir,
  writeServiceRecord,
} from './services/service.state';

/** How long a service may take to drain on SIGTERM: its SHUTDOWN_TIMEOUT_MS (10 s) with room to spare. */
export const STOP_GRACE_MS = 20_000;

export type ServiceAction = 'started' | 'restarted' | 'running';

export interface ServiceOutcome {
  name: ServiceName;
  copy: number;
  role?: 'bulk';
  port: number;
  pid: number;
  logFile: string;
  action: ServiceAction;
}

export interface SluiceUpReport {
  stack: UpReport;
  built: ServiceName[];
  services: ServiceOutcome[];
  elapsedMs: number;
}

export interface SluiceUpOptions {
  rebuild: boolean;
  readyTimeoutMs: number;
  /** Copies wanted per service; a service not named keeps as many as run now (at least one). */
  copies?: Partial<Record<ServiceName, number>>;
  log: (line: string) => void;
}

/** A service that did not become ready, with the end of its log: the reason is almost always there. */
export class ServiceNotReadyError extends Error {
  constructor(
    /** The copy's name: `router`, `router-2`. */
    readonly service: string,
    readonly reason: string,
    readonly logFile: string,
  ) {
    super(`${service} did not become ready: ${reason}\n--- last lines of ${logFile} ---\n${tailOf(logFile, 40)}`);
  }
}

interface Plan {
  spec: ServiceSpec;
  instance: ServiceInstance;
  /** The running process to keep, or undefined when one must be started. */
  keep?: ServiceRecord;
  /** A running process of ours on old code, stopped before the new one starts. */
  replace?: ServiceRecord;
}

function bundleMtime(repoRoot: string, service: ServiceName): number {
  return statSync(bundlePath(repoRoot, service)).mtimeMs;
}

/** What to do with one process: keep the process that runs it, replace it (old bundle, other layout), or start it. */
function plan(config: StackConfig, spec: ServiceSpec, instance: ServiceInstance, record: ServiceRecord | undefined): Plan {
  if (record === undefined || !isOurProcess(record.pid, processMarker(spec.name))) {
    // A record whose process is gone (crashed, machine restarted) is only a leftover.
    if (record !== undefined) removeServiceRecord(config.stateDir, instance);
    return { spec, instance };
  }
  const current =
    record.bundleMtimeMs === bundleMtime(config.repoRoot, spec.name) &&
    record.port === instancePort(spec, instance.copy, instance.role) &&
    record.bulkApart === true;
  return current ? { spec, instance, keep: record } : { spec, instance, replace: record };
}

/**
 * How many copies of each service to run: as asked, else as many as run now, at least one. Copies
 * beyond the count (a smaller count asked for) are returned to be stopped.
 */
function planCopies(config: StackConfig, options: SluiceUpOptions): { plans: Plan[]; surplus: ServiceRecord[] } {
  const plans: Plan[] = [];
  const surplus: ServiceRecord[] = [];
  for (const spec of SERVICES) {
    const all = readServiceRecords(config.stateDir, spec.name);
    const records = all.filter((record) => record.role !== 'bulk');
    const running = records.filter((record) => isOurProcess(record.pid, processMarker(spec.name)));
    const wanted = options.copies?.[spec.name] ?? Math.max(1, ...running.map(copyOf));
    for (let copy = 1; copy <= wanted; copy += 1) {
      plans.push(plan(config, spec, { name: spec.name, copy }, records.find((record) => copyOf(record) === copy)));
    }
    surplus.push(...records.filter((record) => copyOf(record) > wanted));
    if (spec.name !== EMULATOR && BULK_APART[spec.name] !== undefined) {
      plans.push(plan(config, spec, { name: spec.name, copy: 1, role: 'bulk' }, all.find((record) => record.role === 'bulk')));
    }
  }
  return { plans, surplus };
}

function start(config: StackConfig, { spec, instance }: Plan, stack: UpReport): ServiceRecord {
  const logFile = logFileOf(config.stateDir, instance);
  const port = instancePort(spec, instance.copy, instance.role);
  mkdirSync(dirname(logFile), { recursive: true });
  // The log is appended to across runs; the marker tells this start's lines from the last one's.
  appendFileSync(logFile, `\n--- ${new Date().toISOString()} npm run up: starting ${instanceId(instance)} on port ${port} ---\n`);
  const emulatorPort = SERVICES.find((service) => service.name === EMULATOR)?.defaultPort;
  const env = serviceEnv(spec.name, {
    kafkaBrokers: stack.kafka.brokers,
    databaseUrl: stack.postgres.url,
    emulatorUrl: `http://127.0.0.1:${emulatorPort}`,
    port,
    logLevel: process.env.LOG_LEVEL || 'info',
    ...((instance.copy > 1 || instance.role !== undefined) && { clientId: `sluice-${instanceId(instance)}` }),
  });
  Object.assign(env, roleEnv(instance, true));
  const bundle = bundlePath(config.repoRoot, spec.name);
  const pid = spawnDetached(process.execPath, [bundle], { logFile, cwd: config.repoRoot, env });
  const record: ServiceRecord = {
    name: spec.name,
    copy: instance.copy,
    ...(instance.role && { role: instance.role }),
    bulkApart: true,
    pid,
    port,
    logFile,
    bundle,
    bundleMtimeMs: bundleMtime(config.repoRoot, spec.name),
    startedAt: new Date().toISOString(),
  };
  writeServiceRecord(config.stateDir, record);
  return record;
}

async function awaitReady(record: ServiceRecord, deadline: number): Promise<void> {
  let exited = false;
  const ready = await pollUntil(() => isReady(record.port), {
    timeoutMs: Math.max(0, deadline - Date.now()),
    intervalMs: 250,
    failFast: () => {
      exited = !isRunning(record.pid);
      return exited ? 'exited' : undefined;
    },
  }).catch(() => false);
  if (ready) return;
  throw new ServiceNotReadyError(
    instanceId(instanceOf(record)),
    exited ? `the process (pid ${record.pid}) exited` : `/health/ready on port ${record.port} did not answer 200 in time`,
    record.logFile,
  );
}

/**
 * The stack first (as stack:up: uses what answers, starts what does not), then the bundles (built
 * when stale), then every service that is not already running on its current bundle, detached.
 * Resolves once all of them answer /health/ready with 200; a second run only confirms.
 */
export async function bringSluiceUp(config: StackConfig, options: SluiceUpOptions): Promise<SluiceUpReport> {
  const began = Date.now();
  const stack = await bringUp(config, { log: options.log });
  recordStartedStack(config.stateDir, { kafka: stack.kafka.origin === 'started', postgres: stack.postgres.origin === 'started' });

  return withStackLock(servicesDir(config.stateDir), async () => {
    const built = await ensureBundles(config.repoRoot, config.stateDir, SERVICES.map((spec) => spec.name), {
      output: 'inherit',
      force: options.rebuild,
    });
    const { plans, surplus } = planCopies(config, options);

    for (const record of surplus) {
      const instance = instanceOf(record);
      options.log(`${instanceId(instance)} (pid ${record.pid}) is a copy more than asked for: stopping it`);
      await stopProcess(record.pid, processMarker(record.name), STOP_GRACE_MS);
      removeServiceRecord(config.stateDir, instance);
    }
    for (const { instance, replace } of plans) {
      if (replace === undefined) continue;
      options.log(`${instanceId(instance)} (pid ${replace.pid}) runs an older bundle: restarting it`);
      await stopProcess(replace.pid, processMarker(instance.name), STOP_GRACE_MS);
    }
    // Every port is checked before anything starts, so a clash leaves nothing half started.
    const toStart = plans.filter((p) => p.keep === undefined);
    const taken = [];
    for (const p of toStart) if (!(await portIsFree(instancePort(p.spec, p.instance.copy, p.instance.role)))) taken.push(p);
    if (taken.length > 0) {
      throw new Error(
        `port(s) in use by processes npm run up did not start: ${taken.map((p) => `${instancePort(p.spec, p.instance.copy, p.instance.role)} (${instanceId(p.instance)})`).join(', ')}; stop them and run it again`,
      );
    }

    const records = plans.map((p) => ({ plan: p, record: p.keep ?? start(config, p, stack) }));
    const deadline = Date.now() + options.readyTimeoutMs;
    const outcomes = await Promise.allSettled(records.map(({ record }) => awaitReady(record, deadline)));
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failures.length > 0) throw new AggregateError(failures.map((failure) => failure.reason), 'services not ready');

    const services = records.map(({ plan: p, record }) => ({
      name: record.name,
      copy: p.instance.copy,
      ...(p.instance.role && { role: p.instance.role }),
      port: record.port,
      pid: record.pid,
      logFile: record.logFile,
      action: p.keep ? ('running' as const) : p.replace ? ('restarted' as const) : ('started' as const),
    }));
    return { stack, built, services, elapsedMs: Date.now() - began };
  });
}
