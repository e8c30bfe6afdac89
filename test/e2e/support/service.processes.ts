import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isOurProcess, isRunning, pollUntil, tailOf } from '../../../scripts/stack/process/process.control';
import { ServiceName, bundlePath, instanceId, nodeArgsFor, processMarker } from '../../../scripts/up/services/service.catalog';
import { isReady } from '../../../scripts/up/services/service.health';

export interface ServiceProcess {
  name: ServiceName;
  /** Which copy of the service (1 unless a harness started several) and its name: `router`, `router-2`. */
  copy: number;
  /** `bulk` for a process that runs only its app's bulk consumer groups (id `<app>-bulk`). */
  role?: 'bulk';
  id: string;
  port: number;
  /** http://127.0.0.1:<port> */
  url: string;
  pid: number;
  logFile: string;
  exited(): boolean;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL: no shutdown hook runs, nothing is committed or flushed; resolves once the process is gone. */
  kill(): Promise<void>;
}

/**
 * With SLUICE_CPU_PROF_DIR set, every service writes a V8 CPU profile there when it stops (one folder
 * per process): how a benchmark's services are profiled, since NODE_OPTIONS may not carry --cpu-prof.
 */
function profilingArgs(id: string): string[] {
  const dir = process.env.SLUICE_CPU_PROF_DIR;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${join(dir, id)}`] : [];
}

/** Starts a bundle as a child of the test process with stdout and stderr in `logFile`. */
export function launchService(
  repoRoot: string,
  name: ServiceName,
  port: number,
  env: NodeJS.ProcessEnv,
  logFile: string,
  copy = 1,
  role?: 'bulk',
): ServiceProcess {
  const id = instanceId({ name, copy, role });
  const log = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...nodeArgsFor(name, env), ...profilingArgs(id), bundlePath(repoRoot, name)], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${id}`);
  let gone = false;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', () => {
      gone = true;
      resolve();
    }),
  );
  return {
    name,
    copy,
    ...(role && { role }),
    id,
    port,
    url: `http://127.0.0.1:${port}`,
    pid,
    logFile,
    exited: () => gone,
    stop: async (graceMs = 15_000) => {
      if (gone) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exit;
      clearTimeout(timer);
    },
    kill: async () => {
      if (gone) return;
      child.kill('SIGKILL');
      await exit;
    },
  };
}

export async function awaitReady(service: ServiceProcess, deadline: number): Promise<void> {
  const ready = await pollUntil(() => isReady(service.port), {
    timeoutMs: Math.max(0, deadline - Date.now()),
    intervalMs: 200,
    failFast: () => (service.exited() ? `${service.id} exited before it was ready` : undefined),
  }).catch((error: Error) => {
    throw new Error(`${error.message}\n--- ${service.logFile} ---\n${tailOf(service.logFile, 60)}`);
  });
  if (!ready) throw new Error(`${service.id} was not ready on port ${service.port} in time\n--- ${service.logFile} ---\n${tailOf(service.logFile, 60)}`);
}

interface PidFile {
  owner: number;
  children: Array<{ name: ServiceName; pid: number }>;
}

export function writePidFile(runDir: string, services: readonly ServiceProcess[]): void {
  const content: PidFile = { owner: process.pid, children: services.map(({ name, pid }) => ({ name, pid })) };
  writeFileSync(join(runDir, 'pids.json'), JSON.stringify(content));
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Kills the services of earlier runs whose test process died without stopping them (a killed Jest
 * worker): left running, they would keep consuming the shared topics and answer this run's requests
 * twice. Log folders older than a day are removed.
 */
export function reapEarlierRuns(runsDir: string): string[] {
  if (!existsSync(runsDir)) return [];
  const reaped: string[] = [];
  for (const entry of readdirSync(runsDir)) {
    const dir = join(runsDir, entry);
    const pidFile = join(dir, 'pids.json');
    if (existsSync(pidFile)) {
      const { owner, children } = JSON.parse(readFileSync(pidFile, 'utf8')) as PidFile;
      if (!isRunning(owner)) {
        for (const { name, pid } of children) {
          if (isOurProcess(pid, processMarker(name))) {
            process.kill(pid, 'SIGKILL');
            reaped.push(`${name} (pid ${pid}) of ${entry}`);
          }
        }
        rmSync(pidFile, { force: true });
      }
    }
    if (Date.now() - statSync(dir).mtimeMs > DAY_MS) rmSync(dir, { recursive: true, force: true });
  }
  return reaped;
}

export function makeRunDir(runsDir: string, name: string): string {
  const dir = join(runsDir, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}
