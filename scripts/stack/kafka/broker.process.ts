import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isOurProcess, isRunning, pollUntil, runCommand, spawnDetached, stopProcess, tailOf } from '../process/process.control';
import { LocalBrokerEndpoint } from './broker.endpoint';
import { newClusterId, renderLog4j2Properties, renderServerProperties } from './broker.properties';
import { probeKafka } from './kafka.admin';

export interface BrokerFiles {
  dir: string;
  dataDir: string;
  serverProperties: string;
  log4jProperties: string;
  logFile: string;
  pidFile: string;
  clusterIdFile: string;
}

export function brokerFiles(stateDir: string): BrokerFiles {
  const dir = join(stateDir, 'kafka');
  return {
    dir,
    dataDir: join(dir, 'data'),
    serverProperties: join(dir, 'server.properties'),
    log4jProperties: join(dir, 'log4j2.properties'),
    logFile: join(dir, 'broker.log'),
    pidFile: join(dir, 'broker.pid'),
    clusterIdFile: join(dir, 'cluster.id'),
  };
}

/** The pid of the broker this state dir started, if it still runs (our server.properties on its command line). */
export function runningBrokerPid(files: BrokerFiles): number | undefined {
  if (!existsSync(files.pidFile)) return undefined;
  const pid = Number(readFileSync(files.pidFile, 'utf8').trim());
  return Number.isInteger(pid) && pid > 0 && isOurProcess(pid, files.serverProperties) ? pid : undefined;
}

// The id is kept with the data: formatting is skipped for a formatted dir, and a new id would not match it.
function clusterIdFor(files: BrokerFiles): string {
  if (existsSync(files.clusterIdFile)) return readFileSync(files.clusterIdFile, 'utf8').trim();
  const id = newClusterId(randomBytes(16));
  writeFileSync(files.clusterIdFile, `${id}\n`);
  return id;
}

export interface StartBrokerOptions {
  classpath: string;
  endpoint: LocalBrokerEndpoint;
  files: BrokerFiles;
  readyTimeoutMs: number;
}

async function formatLogDir(classpath: string, files: BrokerFiles): Promise<void> {
  const format = await runCommand('java', [
    '-Xmx256m',
    '-cp',
    classpath,
    'kafka.tools.StorageTool',
    'format',
    '--ignore-formatted',
    '-t',
    clusterIdFor(files),
    '-c',
    files.serverProperties,
  ]);
  if (format.code !== 0) {
    throw new Error(`formatting the Kafka log dir ${files.dataDir} failed (exit ${format.code}):\n${format.output.trim()}`);
  }
}

function brokerAddress(endpoint: LocalBrokerEndpoint): string {
  return `${endpoint.host}:${endpoint.port}`;
}

/** Formats the log dir (idempotently), starts a detached KRaft broker and waits until it serves metadata. */
export async function startBroker({ classpath, endpoint, files, readyTimeoutMs }: StartBrokerOptions): Promise<number> {
  mkdirSync(files.dataDir, { recursive: true });
  writeFileSync(files.serverProperties, renderServerProperties(endpoint, files.dataDir));
  writeFileSync(files.log4jProperties, renderLog4j2Properties());

  // Formatting costs a JVM start; a log dir with meta.properties is formatted already.
  if (!existsSync(join(files.dataDir, 'meta.properties'))) await formatLogDir(classpath, files);

  appendFileSync(files.logFile, `\n=== sluice stack: broker starting at ${new Date().toISOString()} ===\n`);
  const pid = spawnDetached(
    'java',
    [
      '-Xms256m',
      '-Xmx512m',
      '-XX:+UseG1GC',
      '-XX:MaxGCPauseMillis=20',
      '-Djava.awt.headless=true',
      `-Dlog4j2.configurationFile=${files.log4jProperties}`,
      '-cp',
      classpath,
      'kafka.Kafka',
      files.serverProperties,
    ],
    { logFile: files.logFile },
  );
  writeFileSync(files.pidFile, `${pid}\n`);
  await awaitBrokerReady(pid, endpoint, files, readyTimeoutMs);
  return pid;
}

/** Waits for a broker we started (now or earlier) to answer; on death or deadline, fails with its log tail. */
export async function awaitBrokerReady(pid: number, endpoint: LocalBrokerEndpoint, files: BrokerFiles, timeoutMs: number): Promise<void> {
  const address = brokerAddress(endpoint);
  const ready = await pollUntil(async () => (await probeKafka(address)) !== undefined, {
    timeoutMs,
    intervalMs: 250,
    failFast: () =>
      isRunning(pid) ? undefined : `the Kafka broker (pid ${pid}) exited during start-up; ${files.logFile} ends with:\n${tailOf(files.logFile)}`,
  });
  if (!ready) {
    await stopBroker(files, 10_000);
    throw new Error(`the Kafka broker at ${address} was not ready after ${timeoutMs} ms (stopped it); ${files.logFile} ends with:\n${tailOf(files.logFile)}`);
  }
}

/** Clean shutdown through the broker's SIGTERM hook; SIGKILL if it takes longer than `graceMs`. */
export async function stopBroker(files: BrokerFiles, graceMs: number): Promise<'not-running' | 'stopped' | 'killed'> {
  const pid = runningBrokerPid(files);
  const outcome = pid === undefined ? 'not-running' : await stopProcess(pid, files.serverProperties, graceMs);
  rmSync(files.pidFile, { force: true });
  return outcome;
}

/** Deletes the broker's log dir and cluster id: the next start formats a brand-new, empty cluster. */
export function wipeBrokerData(files: BrokerFiles): void {
  rmSync(files.dataDir, { recursive: true, force: true });
  rmSync(files.clusterIdFile, { force: true });
}
