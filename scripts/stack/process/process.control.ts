import { ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname } from 'node:path';

export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    // EPERM means the pid exists but belongs to someone else: still running.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  return !isZombie(pid);
}

/**
 * A daemon that exited but whose parent has not reaped it yet still answers signal 0. PostgreSQL's
 * postmaster is re-parented to init, and not every init (containers, micro-VMs) reaps promptly.
 */
function isZombie(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the parenthesised command name, which may itself contain spaces or parentheses.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) === 'Z';
  } catch {
    return false;
  }
}

/** The process's argv joined by spaces, or undefined where /proc is unavailable or the pid is gone. */
function commandLineOf(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ').trim();
  } catch {
    return undefined;
  }
}

/**
 * True when `pid` runs and its command line still matches what we started: a pid file outlives its
 * process, and the number may since have been given to an unrelated process we must not signal.
 */
export function isOurProcess(pid: number, marker: string): boolean {
  if (!isRunning(pid)) return false;
  const commandLine = commandLineOf(pid);
  return commandLine === undefined || commandLine.includes(marker);
}

export interface PollOptions {
  timeoutMs: number;
  intervalMs?: number;
  /** Checked before every attempt; a returned message ends the wait at once with that error. */
  failFast?: () => string | undefined;
}

/** Polls until `check` resolves true; resolves false at the deadline. Errors from `check` count as "not yet". */
export async function pollUntil(check: () => Promise<boolean> | boolean, options: PollOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  const intervalMs = options.intervalMs ?? 200;
  for (;;) {
    const failure = options.failFast?.();
    if (failure !== undefined) throw new Error(failure);
    try {
      if (await check()) return true;
    } catch {
      // Not ready yet; the deadline decides.
    }
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

export type StopOutcome = 'not-running' | 'stopped' | 'killed';

/** SIGTERM, then SIGKILL once `graceMs` has passed: a clean shutdown when possible, never a hang. */
export async function stopProcess(pid: number, marker: string, graceMs: number): Promise<StopOutcome> {
  if (!isOurProcess(pid, marker)) return 'not-running';
  process.kill(pid, 'SIGTERM');
  if (await pollUntil(() => !isRunning(pid), { timeoutMs: graceMs, intervalMs: 100 })) return 'stopped';
  process.kill(pid, 'SIGKILL');
  if (await pollUntil(() => !isRunning(pid), { timeoutMs: 10_000, intervalMs: 100 })) return 'killed';
  throw new Error(`process ${pid} survived SIGKILL`);
}

export interface DetachedOptions {
  logFile: string;
  cwd?: string;
  env?: NodeJS.ProcessEnv;
}

/**
 * Starts a process in its own session with output appended to a log file, so it outlives the
 * command that started it and no signal to that command's process group reaches it.
 */
export function spawnLogged(command: string, args: readonly string[], options: DetachedOptions): ChildProcess {
  mkdirSync(dirname(options.logFile), { recursive: true });
  const log = openSync(options.logFile, 'a');
  try {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
    if (child.pid === undefined) {
      // Node also emits the cause as an 'error' event, which with no listener would crash the caller after this throw.
      child.on('error', () => undefined);
      throw new Error(`could not start ${command}`);
    }
    return child;
  } finally {
    closeSync(log);
  }
}

/** spawnLogged for a process nobody waits on (stack:up returns; the broker keeps running until stack:down). */
export function spawnDetached(command: string, args: readonly string[], options: DetachedOptions): number {
  const child = spawnLogged(command, args, options);
  child.unref();
  return child.pid!;
}

export interface RunOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

export interface RunResult {
  code: number | null;
  output: string;
}

/** Runs a command to completion, capturing stdout and stderr together for error messages. */
export function runCommand(command: string, args: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      uid: options.uid,
      gid: options.gid,
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: options.timeoutMs,
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, output }));
  });
}

/** How much of a log's end tailOf reads: logs are appended to across runs and may be hundreds of megabytes. */
const TAIL_BYTES = 64 * 1024;

/** The last lines of a log file, for error messages that explain a failed start. */
export function tailOf(file: string, lines = 40): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const fd = openSync(file, 'r');
  try {
    const size = fstatSync(fd).size;
    const end = Buffer.alloc(Math.min(size, TAIL_BYTES));
    readSync(fd, end, 0, end.length, size - end.length);
    const all = end.toString('utf8').trimEnd().split('\n');
    // Read from the middle of the file, the first line is a fragment.
    if (end.length < size) all.shift();
    return all.slice(-lines).join('\n');
  } finally {
    closeSync(fd);
  }
}
