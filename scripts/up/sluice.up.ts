import { appendFileSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { isOurProcess, isRunning, pollUntil, stopProcess, tailOf } from '../stack/process/process.control';
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
  nodeArgsFor,
  instanceId,
  instancePort,
  processMarker,
  roleEnv,
  serviceEnv,
} from './services/service.catalog';
import { isReady, portIsFree } from './services/service.health';
import {
  ServiceExit,
  ServiceRecord,
  copyOf,
  instanceOf,
  logFileOf,
  readServiceRecords,
  recordStartedStack,
  removeServiceRecord,
  servicesDir,
  supervisorLogFile,
} from './services/service.state';
import { WatchedProcess } from './supervisor/process.supervisor';
import { SupervisorClient, ensureSupervisor } from './supervisor/supervisor.client';

/** How long a service may take to drain on SIGTERM: its SHUTDOWN_TIMEOUT_MS (10 s) with room to spare. */
export const STOP_GRACE_MS = 20_000;

/** `resupervised`: it ran, but not as a child of the supervisor (an older `up` started it, or the supervisor died). */
export type ServiceAction = 'started' | 'restarted' | 'resupervised' | 'running';

export interface ServiceOutcome {
  name: ServiceName;
  copy: number;
  role?: 'bulk';
  port: number;
  pid: number;
  logFile: string;
  action: ServiceAction;
  /** Restarts by the supervisor after exits of the service's own. */
  restarts: number;
  lastExit?: ServiceExit;
}

export interface SluiceUpReport {
  stack: UpReport;
  built: ServiceName[];
  services: ServiceOutcome[];
  supervisor: { pid: number; started: boolean; logFile: string };
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
  /** A running process of ours to stop before the new one starts: on old code, or one the supervisor cannot watch. */
  replace?: ServiceRecord;
  why?: 'bundle' | 'unwatched';
}

function bundleMtime(repoRoot: string, service: ServiceName): number {
  return statSync(bundlePath(repoRoot, service)).mtimeMs;
}

/**
 * What to do with one process: keep the process that runs it, replace it (old bundle, other layout,
 * not the supervisor's child), or start it.
 */
function plan(
  config: StackConfig,
  spec: ServiceSpec,
  instance: ServiceInstance,
  record: ServiceRecord | undefined,
  watched: ReadonlyMap<string, WatchedProcess>,
): Plan {
  const watch = watched.get(instanceId(instance));
  if (record === undefined || !isOurProcess(record.pid, processMarker(spec.name))) {
    // One the supervisor watches waits for its restart, which starting it now brings forward; any
    // other record whose process is gone (machine restarted, supervisor stopped) is only a leftover.
    if (record !== undefined && watch === undefined) removeServiceRecord(config.stateDir, instance);
    return { spec, instance };
  }
  const current =
    record.bundleMtimeMs === bundleMtime(config.repoRoot, spec.name) &&
    record.port === instancePort(spec, instance.copy, instance.role) &&
    record.bulkApart === true;
  if (!current) return { spec, instance, replace: record, why: 'bundle' };
  // Only a child's exit can be watched: a process started by an older `up`, or under a supervisor
  // that has since died, is started again under this one.
  if (watch?.pid !== record.pid) return { spec, instance, replace: record, why: 'unwatched' };
  return { spec, instance, keep: record };
}

/**
 * How many copies of each service to run: as asked, else as many as run now, at least one. Copies
 * beyond the count (a smaller count asked for) are returned to be stopped.
 */
function planCopies(config: StackConfig, options: SluiceUpOptions, watched: ReadonlyMap<string, WatchedProcess>): { plans: Plan[]; surplus: ServiceRecord[] } {
  const plans: Plan[] = [];
  const surplus: ServiceRecord[] = [];
  for (const spec of SERVICES) {
    const all = readServiceRecords(config.stateDir, spec.name);
    const records = all.filter((record) => record.role !== 'bulk');
    // A copy waiting for its restart counts as running: it is down only for the moment.
    const running = records.filter((record) => isOurProcess(record.pid, processMarker(spec.name)) || watched.has(instanceId(instanceOf(record))));
    const wanted = options.copies?.[spec.name] ?? Math.max(1, ...running.map(copyOf));
    for (let copy = 1; copy <= wanted; copy += 1) {
      plans.push(
        plan(
          config,
          spec,
          { name: spec.name, copy },
          records.find((record) => copyOf(record) === copy),
          watched,
        ),
      );
    }
    surplus.push(...records.filter((record) => copyOf(record) > wanted));
    if (spec.name !== EMULATOR && BULK_APART[spec.name] !== undefined) {
      plans.push(
        plan(
          config,
          spec,
          { name: spec.name, copy: 1, role: 'bulk' },
          all.find((record) => record.role === 'bulk'),
          watched,
        ),
      );
    }
  }
  return { plans, surplus };
}

/** Stops a process up no longer wants, letting the supervisor know first so that it does not restart it. */
async function retire(supervisor: SupervisorClient, record: ServiceRecord): Promise<void> {
  await supervisor.forget(instanceId(instanceOf(record)));
  await stopProcess(record.pid, processMarker(record.name), STOP_GRACE_MS);
}

async function start(config: StackConfig, { spec, instance }: Plan, stack: UpReport, supervisor: SupervisorClient): Promise<ServiceRecord> {
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
  Object.assign(env, roleEnv(instance, true, `http://127.0.0.1:${instancePort(spec, 1, 'bulk')}`));
  const bundle = bundlePath(config.repoRoot, spec.name);
  const record = {
    name: spec.name,
    copy: instance.copy,
    ...(instance.role && { role: instance.role }),
    bulkApart: true,
    port,
    logFile,
    bundle,
    bundleMtimeMs: bundleMtime(config.repoRoot, spec.name),
  };
  // The supervisor starts it as its own child, so it sees the exit, and records it.
  const started = await supervisor.start(instanceId(instance), {
    command: process.execPath,
    args: [...nodeArgsFor(spec.name, env), bundle],
    cwd: config.repoRoot,
    env,
    record,
  });
  return {
    ...record,
    pid: started.pid!,
    startedAt: new Date().toISOString(),
    restarts: started.restarts,
    ...(started.lastExit && { lastExit: started.lastExit }),
  };
}

function action(p: Plan): ServiceAction {
  if (p.keep !== undefined) return 'running';
  if (p.replace === undefined) return 'started';
  return p.why === 'bundle' ? 'restarted' : 'resupervised';
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
 * when stale), then the supervisor (the running one, else a new one, detached), which starts every
 * service that is not already running on its current bundle under its watch. Resolves once all of
 * them answer /health/ready with 200; a second run only confirms.
 */
export async function bringSluiceUp(config: StackConfig, options: SluiceUpOptions): Promise<SluiceUpReport> {
  const began = Date.now();
  const stack = await bringUp(config, { log: options.log });
  recordStartedStack(config.stateDir, { kafka: stack.kafka.origin === 'started', postgres: stack.postgres.origin === 'started' });

  return withStackLock(servicesDir(config.stateDir), async () => {
    const built = await ensureBundles(
      config.repoRoot,
      config.stateDir,
      SERVICES.map((spec) => spec.name),
      {
        output: 'inherit',
        force: options.rebuild,
      },
    );
    const supervisor = await ensureSupervisor(config.stateDir, { repoRoot: config.repoRoot, log: options.log });
    if (supervisor.started) options.log(`started the supervisor (pid ${supervisor.client.pid}): it restarts a service that exits`);
    const watched = new Map((await supervisor.client.list()).map((watch) => [watch.id, watch]));
    const { plans, surplus } = planCopies(config, options, watched);

    for (const record of surplus) {
      const instance = instanceOf(record);
      options.log(`${instanceId(instance)} (pid ${record.pid}) is a copy more than asked for: stopping it`);
      await retire(supervisor.client, record);
      removeServiceRecord(config.stateDir, instance);
    }
    for (const { instance, replace, why } of plans) {
      if (replace === undefined) continue;
      const reason = why === 'bundle' ? 'runs an older bundle' : 'was not started by the running supervisor';
      options.log(`${instanceId(instance)} (pid ${replace.pid}) ${reason}: restarting it`);
      await retire(supervisor.client, replace);
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

    const records = [];
    for (const p of plans) records.push({ plan: p, record: p.keep ?? (await start(config, p, stack, supervisor.client)) });
    const deadline = Date.now() + options.readyTimeoutMs;
    const outcomes = await Promise.allSettled(records.map(({ record }) => awaitReady(record, deadline)));
    const failures = outcomes.filter((outcome): outcome is PromiseRejectedResult => outcome.status === 'rejected');
    if (failures.length > 0)
      throw new AggregateError(
        failures.map((failure): unknown => failure.reason),
        'services not ready',
      );

    const services = records.map(({ plan: p, record }) => ({
      name: record.name,
      copy: p.instance.copy,
      ...(p.instance.role && { role: p.instance.role }),
      port: record.port,
      pid: record.pid,
      logFile: record.logFile,
      action: action(p),
      restarts: record.restarts ?? 0,
      ...(record.lastExit && { lastExit: record.lastExit }),
    }));
    return {
      stack,
      built,
      services,
      supervisor: { pid: supervisor.client.pid, started: supervisor.started, logFile: supervisorLogFile(config.stateDir) },
      elapsedMs: Date.now() - began,
    };
  });
}
