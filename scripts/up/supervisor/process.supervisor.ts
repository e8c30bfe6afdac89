import { ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { spawnLogged, tailOf } from '../../stack/process/process.control';
import { withStackLock } from '../../stack/state/stack.lock';
import { instanceId } from '../services/service.catalog';
import { ServiceExit, ServiceRecord, instanceOf, servicesDir, writeServiceRecord } from '../services/service.state';
import { RestartPolicy, describeExit, planRestart } from './restart.policy';

/** What the supervisor fills in of a service's record itself. */
type SupervisedFacts = 'pid' | 'startedAt' | 'restarts' | 'lastExit' | 'restartAt';

/** How to start one service process, and the record to keep of it in `<state>/services`. */
export interface LaunchSpec {
  command: string;
  args: string[];
  cwd: string;
  env: NodeJS.ProcessEnv;
  record: Omit<ServiceRecord, SupervisedFacts>;
}

/** One watched process as the supervisor sees it; `pid` is absent while it waits to restart it. */
export interface WatchedProcess {
  id: string;
  pid?: number;
  restarts: number;
  lastExit?: ServiceExit;
  restartAt?: string;
}

export class AlreadyRunningError extends Error {}

interface Watch {
  spec: LaunchSpec;
  /** Set while the process runs. */
  child?: ChildProcess;
  /** The last process started: the record keeps it after an exit, so the record never names a pid that was not ours. */
  pid: number;
  startedAtMs: number;
  restarts: number;
  exitStreak: number;
  lastExit?: ServiceExit;
  restartAtMs?: number;
  timer?: NodeJS.Timeout;
}

/** Lines of a service's log quoted when it exits: enough for a stack trace. */
const TAIL_LINES = 20;

/**
 * How long a restart waits for the services lock before trying again at the cap: `npm run up`
 * holds it through its builds, which take minutes, and restarts what is down itself meanwhile.
 */
const LOCK_WAIT_MS = 60_000;

function seconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/**
 * Starts service processes as its children, so it sees each exit with its code or signal, and
 * starts again one that exits without having been let go (forget), with the waits of the restart
 * policy. A restart happens only under the services lock: `npm run up` and `npm run down` hold it
 * while they decide what runs, so nothing is started behind their back.
 */
export class ProcessSupervisor {
  private readonly watches = new Map<string, Watch>();

  constructor(
    private readonly stateDir: string,
    private readonly policy: RestartPolicy,
    private readonly log: (line: string) => void,
  ) {}

  /**
   * Starts the process now and watches it. One that waits to be restarted starts at once instead,
   * keeping its restart count and last exit; one that runs is refused (AlreadyRunningError).
   */
  start(spec: LaunchSpec): WatchedProcess {
    const id = instanceId(instanceOf(spec.record));
    const previous = this.watches.get(id);
    if (previous?.child !== undefined) throw new AlreadyRunningError(`${id} already runs (pid ${previous.child.pid})`);
    const watch: Watch = {
      spec,
      pid: 0,
      startedAtMs: 0,
      restarts: previous?.restarts ?? 0,
      exitStreak: previous?.exitStreak ?? 0,
      lastExit: previous?.lastExit,
    };
    // Launched first: should the start fail, a pending restart stays as it was.
    this.launch(id, watch);
    clearTimeout(previous?.timer);
    this.watches.set(id, watch);
    this.log(`${id}: started (pid ${watch.pid})`);
    return this.describe(id, watch);
  }

  /** Stops watching a process and leaves it running: whoever let it go stops it. */
  forget(id: string): WatchedProcess | undefined {
    const watch = this.watches.get(id);
    if (watch === undefined) return undefined;
    clearTimeout(watch.timer);
    this.watches.delete(id);
    this.log(`${id}: no longer watched${watch.child === undefined ? '' : ` (pid ${watch.pid})`}`);
    return this.describe(id, watch);
  }

  list(): WatchedProcess[] {
    return [...this.watches].map(([id, watch]) => this.describe(id, watch));
  }

  /** Stops watching everything and leaves the processes running: npm run down stops them next. */
  close(): void {
    for (const watch of this.watches.values()) clearTimeout(watch.timer);
    this.watches.clear();
  }

  private describe(id: string, watch: Watch): WatchedProcess {
    return {
      id,
      ...(watch.child !== undefined && { pid: watch.pid }),
      restarts: watch.restarts,
      ...(watch.lastExit !== undefined && { lastExit: watch.lastExit }),
      ...(watch.restartAtMs !== undefined && { restartAt: new Date(watch.restartAtMs).toISOString() }),
    };
  }

  private record(watch: Watch): ServiceRecord {
    return {
      ...watch.spec.record,
      pid: watch.pid,
      startedAt: new Date(watch.startedAtMs).toISOString(),
      restarts: watch.restarts,
      ...(watch.lastExit !== undefined && { lastExit: watch.lastExit }),
      ...(watch.restartAtMs !== undefined && { restartAt: new Date(watch.restartAtMs).toISOString() }),
    };
  }

  private launch(id: string, watch: Watch, restarts = watch.restarts): void {
    const { command, args, cwd, env, record } = watch.spec;
    const child = spawnLogged(command, args, { logFile: record.logFile, cwd, env });
    watch.child = child;
    watch.pid = child.pid!;
    watch.restarts = restarts;
    watch.startedAtMs = Date.now();
    watch.restartAtMs = undefined;
    child.once('exit', (code, signal) => this.exited(id, watch, child, code, signal));
    // A failed kill or IPC error; the end of the process itself is reported by 'exit'.
    child.on('error', (error) => this.log(`${id}: ${error.message}`));
    writeServiceRecord(this.stateDir, this.record(watch));
  }

  private exited(id: string, watch: Watch, child: ChildProcess, code: number | null, signal: NodeJS.Signals | null): void {
    if (watch.child === child) watch.child = undefined;
    const how = describeExit(code, signal);
    if (this.watches.get(id) !== watch) {
      this.log(`${id} (pid ${child.pid}) ${how}; no longer watched, so not restarted`);
      return;
    }
    const uptimeMs = Date.now() - watch.startedAtMs;
    const decision = planRestart(watch.exitStreak, uptimeMs, this.policy);
    watch.exitStreak = decision.exitStreak;
    watch.lastExit = { code, signal, at: new Date().toISOString(), uptimeMs };
    this.schedule(id, watch, decision.delayMs);
    writeServiceRecord(this.stateDir, this.record(watch));

    const tail = tailOf(watch.spec.record.logFile, TAIL_LINES)
      .split('\n')
      .map((line) => `    | ${line}`);
    this.log(
      [
        `${id} (pid ${child.pid}) ${how} after ${seconds(uptimeMs)} up; restart ${watch.restarts + 1} in ${seconds(decision.delayMs)}. The end of ${watch.spec.record.logFile}:`,
        ...tail,
      ].join('\n'),
    );
    if (decision.reachedCap) {
      this.log(
        `${id} exited ${decision.exitStreak} times in a row, each within ${seconds(this.policy.stableAfterMs)} of its start; ` +
          `it is restarted every ${seconds(this.policy.maxDelayMs)} from now on, never given up, until a run lasts ${seconds(this.policy.stableAfterMs)}`,
      );
    }
  }

  private schedule(id: string, watch: Watch, delayMs: number): void {
    watch.restartAtMs = Date.now() + delayMs;
    watch.timer = setTimeout(() => void this.restart(id, watch), delayMs);
  }

  private async restart(id: string, watch: Watch): Promise<void> {
    watch.timer = undefined;
    // npm run up may have started it meanwhile, or let it go: either way it is not ours to start.
    const stillOurs = (): boolean => this.watches.get(id) === watch && watch.child === undefined;
    try {
      await withStackLock(
        servicesDir(this.stateDir),
        async () => {
          if (!stillOurs()) return;
          const restart = watch.restarts + 1;
          const { code, signal } = watch.lastExit ?? { code: null, signal: null };
          appendFileSync(
            watch.spec.record.logFile,
            `\n--- ${new Date().toISOString()} supervisor: restart ${restart} of ${id}, which ${describeExit(code, signal)} ---\n`,
          );
          this.launch(id, watch, restart);
          this.log(`${id}: restarted (pid ${watch.pid}, restart ${restart})`);
        },
        LOCK_WAIT_MS,
      );
    } catch (error) {
      if (!stillOurs()) return;
      this.schedule(id, watch, this.policy.maxDelayMs);
      this.log(`${id}: could not restart it (${(error as Error).message}); trying again in ${seconds(this.policy.maxDelayMs)}`);
    }
  }
}
