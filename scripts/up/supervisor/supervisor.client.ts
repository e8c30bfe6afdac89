import { request } from 'node:http';
import { join } from 'node:path';
import { StopOutcome, isOurProcess, isRunning, pollUntil, spawnDetached, stopProcess, tailOf } from '../../stack/process/process.control';
import { clearSupervisorRecord, readSupervisorRecord, supervisorLogFile, supervisorSocket, writeSupervisorRecord } from '../services/service.state';
import { LaunchSpec, WatchedProcess } from './process.supervisor';
import { RestartPolicy } from './restart.policy';

const SUPERVISE_SCRIPT = join(__dirname, 'supervise.ts');

/** What the supervisor's command line contains: how its pid is confirmed to still be it. */
export const SUPERVISOR_MARKER = join('scripts', 'up', 'supervisor', 'supervise.ts');

/** The supervisor stops at once on SIGTERM (it only lets go of its children); this is room to spare. */
const SUPERVISOR_GRACE_MS = 5_000;

const REQUEST_TIMEOUT_MS = 10_000;

/** `npm run up`'s side of the supervisor: requests over its unix socket. */
export class SupervisorClient {
  constructor(
    readonly pid: number,
    private readonly socketPath: string,
  ) {}

  list(): Promise<WatchedProcess[]> {
    return this.call('GET', '/processes');
  }

  /** Starts the process as the supervisor's child and watches it; resolves once it is started and recorded. */
  start(id: string, spec: LaunchSpec): Promise<WatchedProcess> {
    return this.call('PUT', `/processes/${id}`, spec);
  }

  /** Ends the watch, so stopping the process next does not restart it. */
  async forget(id: string): Promise<void> {
    await this.call('DELETE', `/processes/${id}`);
  }

  /** True when the supervisor answers on its socket. */
  answers(): Promise<boolean> {
    return this.list().then(
      () => true,
      () => false,
    );
  }

  private call<T>(method: string, path: string, body?: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const req = request({ socketPath: this.socketPath, method, path, timeout: REQUEST_TIMEOUT_MS }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (response.statusCode === 200) resolve(JSON.parse(text) as T);
          else reject(new Error(`the supervisor answered ${method} ${path} with ${response.statusCode}: ${text}`));
        });
      });
      req.on('timeout', () => req.destroy(new Error(`the supervisor did not answer ${method} ${path} in ${REQUEST_TIMEOUT_MS} ms`)));
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }
}

export interface EnsureSupervisorOptions {
  /** Where the supervisor runs (tsx finds the tsconfig there). */
  repoRoot: string;
  log: (line: string) => void;
  /** Overrides of the restart policy, for tests; a supervisor already running keeps its own. */
  policy?: Partial<RestartPolicy>;
}

export interface EnsuredSupervisor {
  client: SupervisorClient;
  started: boolean;
}

function policyArgs(policy: Partial<RestartPolicy> = {}): string[] {
  return [
    ...(policy.firstDelayMs === undefined ? [] : ['--first-delay-ms', String(policy.firstDelayMs)]),
    ...(policy.maxDelayMs === undefined ? [] : ['--max-delay-ms', String(policy.maxDelayMs)]),
    ...(policy.stableAfterMs === undefined ? [] : ['--stable-after-ms', String(policy.stableAfterMs)]),
  ];
}

/**
 * The supervisor of this state dir: the running one when it answers, else a new one started
 * detached (one that runs but does not answer is stopped first). Call it under the services lock,
 * so two `npm run up` never start two.
 */
export async function ensureSupervisor(stateDir: string, options: EnsureSupervisorOptions): Promise<EnsuredSupervisor> {
  const socket = supervisorSocket(stateDir);
  const known = readSupervisorRecord(stateDir);
  if (known !== undefined && isOurProcess(known.pid, SUPERVISOR_MARKER)) {
    const client = new SupervisorClient(known.pid, socket);
    if (await client.answers()) return { client, started: false };
    options.log(`the supervisor (pid ${known.pid}) does not answer on ${socket}: replacing it`);
    await stopProcess(known.pid, SUPERVISOR_MARKER, SUPERVISOR_GRACE_MS);
  }

  const logFile = supervisorLogFile(stateDir);
  const pid = spawnDetached(process.execPath, ['--import', 'tsx', SUPERVISE_SCRIPT, '--state-dir', stateDir, ...policyArgs(options.policy)], {
    logFile,
    cwd: options.repoRoot,
  });
  writeSupervisorRecord(stateDir, { pid, startedAt: new Date().toISOString() });
  const client = new SupervisorClient(pid, socket);
  const answered = await pollUntil(() => client.answers(), {
    timeoutMs: 30_000,
    intervalMs: 100,
    failFast: () => (isRunning(pid) ? undefined : `the supervisor (pid ${pid}) exited at start; ${logFile} ends with:\n${tailOf(logFile, 20)}`),
  });
  if (!answered) {
    await stopProcess(pid, SUPERVISOR_MARKER, SUPERVISOR_GRACE_MS);
    clearSupervisorRecord(stateDir);
    throw new Error(`the supervisor (pid ${pid}) did not answer on ${socket} in 30 s; ${logFile} ends with:\n${tailOf(logFile, 20)}`);
  }
  return { client, started: true };
}

/** Stops the supervisor, which lets go of every service without stopping any: npm run down stops them next. */
export async function stopSupervisor(stateDir: string): Promise<{ pid?: number; outcome: StopOutcome }> {
  const known = readSupervisorRecord(stateDir);
  if (known === undefined) return { outcome: 'not-running' };
  const outcome = await stopProcess(known.pid, SUPERVISOR_MARKER, SUPERVISOR_GRACE_MS);
  clearSupervisorRecord(stateDir);
  return { pid: known.pid, outcome };
}

/** The pid of the supervisor of this state dir while it runs. */
export function runningSupervisorPid(stateDir: string): number | undefined {
  const known = readSupervisorRecord(stateDir);
  return known !== undefined && isOurProcess(known.pid, SUPERVISOR_MARKER) ? known.pid : undefined;
}
