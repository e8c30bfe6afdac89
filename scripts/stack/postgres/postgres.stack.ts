import { DATABASE_NAME, StackConfig } from '../stack.config';
import { PostgresOrigin } from '../state/stack.state';
import { localDatabaseUrl, redactUrl } from './database.url';
import { embeddedFiles, runningEmbeddedPid, startEmbeddedPostgres, stopEmbeddedPostgres, wipeEmbeddedData } from './embedded.postgres';
import { ensureDatabase, probePostgres } from './postgres.probe';

export interface PostgresReady {
  url: string;
  origin: PostgresOrigin;
  databaseCreated: boolean;
  pid?: number;
  logFile?: string;
  dataDir?: string;
}

export interface EnsurePostgresOptions {
  fresh: boolean;
  readyTimeoutMs: number;
  log: (line: string) => void;
}

async function useServer(url: string, origin: PostgresOrigin): Promise<PostgresReady> {
  return { url, origin, databaseCreated: (await ensureDatabase(url)) === 'created' };
}

/**
 * A PostgreSQL database, in this order: DATABASE_URL when given; else the server on localhost;
 * else an embedded server we start. A DATABASE_URL that does not answer is an error rather than a
 * reason to fall back: the caller named that database, and silently using another would surprise.
 * The one exception is the URL of our own embedded server, printed by an earlier stack:up.
 */
export async function ensurePostgres(config: StackConfig, options: EnsurePostgresOptions): Promise<PostgresReady> {
  const files = embeddedFiles(config.stateDir);
  const embeddedUrl = localDatabaseUrl(config.embeddedPostgresPort, DATABASE_NAME);
  let embeddedPid = runningEmbeddedPid(files);

  if (options.fresh) {
    if (embeddedPid !== undefined) {
      options.log(`--fresh: stopping our embedded PostgreSQL (pid ${embeddedPid}) to wipe its data`);
      await stopEmbeddedPostgres(files, 30_000);
      embeddedPid = undefined;
    }
    wipeEmbeddedData(files);
  }

  const wanted = config.databaseUrl;
  if (wanted !== undefined && wanted !== embeddedUrl) {
    const probe = await probePostgres(wanted);
    if (!probe.ok && !probe.missingDatabase) {
      throw new Error(`DATABASE_URL (${redactUrl(wanted)}) does not answer: ${probe.reason}. Unset it to use the local server or an embedded one.`);
    }
    if (options.fresh) options.log('--fresh: the database at DATABASE_URL is not ours; it is left alone');
    return useServer(wanted, 'DATABASE_URL');
  }

  let why = 'DATABASE_URL names it';
  if (wanted === undefined) {
    const localUrl = localDatabaseUrl(config.localPostgresPort, DATABASE_NAME);
    const probe = await probePostgres(localUrl);
    if (probe.ok || probe.missingDatabase) {
      if (options.fresh) options.log(`--fresh: the local server at ${localUrl} is not ours; its database is left alone`);
      return useServer(localUrl, 'local server');
    }
    why = `no PostgreSQL usable at 127.0.0.1:${config.localPostgresPort}: ${probe.reason}`;
  }

  if (embeddedPid === undefined) {
    options.log(`starting an embedded PostgreSQL on 127.0.0.1:${config.embeddedPostgresPort} (${why}; log: ${files.logFile})`);
  }
  const server = await startEmbeddedPostgres(files, config.embeddedPostgresPort, DATABASE_NAME, options.readyTimeoutMs);
  return {
    url: server.url,
    origin: embeddedPid === undefined ? 'started' : 'ours',
    databaseCreated: server.databaseCreated,
    pid: server.pid,
    logFile: files.logFile,
    dataDir: files.dataDir,
  };
}

export async function stopOurPostgres(config: StackConfig): Promise<'not-running' | 'stopped' | 'killed'> {
  return stopEmbeddedPostgres(embeddedFiles(config.stateDir), 30_000);
}

/** The URL stack:up would use now, without starting anything (for stack:status). */
export async function currentDatabaseUrl(config: StackConfig): Promise<{ url: string; origin: PostgresOrigin } | undefined> {
  const embeddedUrl = localDatabaseUrl(config.embeddedPostgresPort, DATABASE_NAME);
  const embeddedRuns = runningEmbeddedPid(embeddedFiles(config.stateDir)) !== undefined;
  if (config.databaseUrl !== undefined) {
    return { url: config.databaseUrl, origin: config.databaseUrl === embeddedUrl && embeddedRuns ? 'ours' : 'DATABASE_URL' };
  }
  const localUrl = localDatabaseUrl(config.localPostgresPort, DATABASE_NAME);
  const probe = await probePostgres(localUrl);
  if (probe.ok || probe.missingDatabase) return { url: localUrl, origin: 'local server' };
  return embeddedRuns ? { url: embeddedUrl, origin: 'ours' } : undefined;
}
