import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { instanceId, ServiceInstance, ServiceName } from './service.catalog';

/** <state>/services/<instance>.json: one process `npm run up` started (`router.json`, `router-2.json`). */
export interface ServiceRecord {
  name: ServiceName;
  /** Which copy of the service; records written before copies existed have none: the first. */
  copy?: number;
  /** `bulk` for the process that runs only the app's bulk consumer groups. */
  role?: 'bulk';
  /** Started with the app's bulk work apart (its own process, lower priority): records before that have none. */
  bulkApart?: boolean;
  pid: number;
  port: number;
  logFile: string;
  bundle: string;
  /** The bundle's mtime when the process started: a rebuilt bundle means the process runs old code. */
  bundleMtimeMs: number;
  startedAt: string;
  /** Times the supervisor started it again after it exited on its own (npm run up's own starts do not count). */
  restarts?: number;
  /** How it last exited on its own; a stop by npm run up or down is not recorded. */
  lastExit?: ServiceExit;
  /** When the supervisor starts it again: set from its exit until the restart. */
  restartAt?: string;
}

/** An exit the supervisor saw: `code` is null when a signal ended the process. */
export interface ServiceExit {
  code: number | null;
  signal: string | null;
  at: string;
  /** How long that run lasted. */
  uptimeMs: number;
}

/** <state>/supervisor.json: the process `npm run up` leaves running to restart the services that exit. */
export interface SupervisorRecord {
  pid: number;
  startedAt: string;
}

/** <state>/up.json: what of the stack (Kafka, PostgreSQL) `up` itself started, so `down` stops only that. */
export interface UpState {
  startedStack: { kafka: boolean; postgres: boolean };
  updatedAt: string;
}

export function servicesDir(stateDir: string): string {
  return join(stateDir, 'services');
}

export function logsDir(stateDir: string): string {
  return join(stateDir, 'logs');
}

export function logFileOf(stateDir: string, instance: ServiceInstance): string {
  return join(logsDir(stateDir), `${instanceId(instance)}.log`);
}

function writeJsonAtomically(file: string, value: unknown): void {
  writeFileSync(`${file}.tmp`, `${JSON.stringify(value, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
}

function readJson<T>(file: string): T | undefined {
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch {
    // A torn file is as good as none: the process check decides what still runs.
    return undefined;
  }
}

function recordFile(stateDir: string, instance: ServiceInstance): string {
  return join(servicesDir(stateDir), `${instanceId(instance)}.json`);
}

export function copyOf(record: Pick<ServiceRecord, 'copy'>): number {
  return record.copy ?? 1;
}

export function instanceOf(record: Pick<ServiceRecord, 'name' | 'copy' | 'role'>): ServiceInstance {
  return { name: record.name, copy: copyOf(record), ...(record.role === 'bulk' && { role: 'bulk' as const }) };
}

/** The records of every copy of a service, first copy first, and of its bulk process last. */
export function readServiceRecords(stateDir: string, service: ServiceName): ServiceRecord[] {
  const dir = servicesDir(stateDir);
  if (!existsSync(dir)) return [];
  const own = new RegExp(`^${service}(-[0-9]+|-bulk)?\\.json$`);
  return readdirSync(dir)
    .filter((file) => own.test(file))
    .map((file) => readJson<ServiceRecord>(join(dir, file)))
    .filter((record): record is ServiceRecord => record !== undefined && record.name === service)
    .sort((a, b) => Number(a.role === 'bulk') - Number(b.role === 'bulk') || copyOf(a) - copyOf(b));
}

export function writeServiceRecord(stateDir: string, record: ServiceRecord): void {
  mkdirSync(servicesDir(stateDir), { recursive: true });
  writeJsonAtomically(recordFile(stateDir, instanceOf(record)), record);
}

export function removeServiceRecord(stateDir: string, instance: ServiceInstance): void {
  rmSync(recordFile(stateDir, instance), { force: true });
}

export function readUpState(stateDir: string): UpState | undefined {
  return readJson<UpState>(join(stateDir, 'up.json'));
}

/** Remembers what `up` started, across runs: a second `up` finds the broker running and must not forget it started it. */
export function recordStartedStack(stateDir: string, started: { kafka: boolean; postgres: boolean }): UpState {
  const previous = readUpState(stateDir)?.startedStack ?? { kafka: false, postgres: false };
  const next: UpState = {
    startedStack: { kafka: previous.kafka || started.kafka, postgres: previous.postgres || started.postgres },
    updatedAt: new Date().toISOString(),
  };
  mkdirSync(stateDir, { recursive: true });
  writeJsonAtomically(join(stateDir, 'up.json'), next);
  return next;
}

export function clearStartedStack(stateDir: string): void {
  rmSync(join(stateDir, 'up.json'), { force: true });
}

export function supervisorLogFile(stateDir: string): string {
  return join(logsDir(stateDir), 'supervisor.log');
}

/**
 * Where the supervisor listens: in the state dir, unless that path is too long for a unix socket
 * (about 107 bytes); then in the temp dir, named by the state dir.
 */
export function supervisorSocket(stateDir: string): string {
  const inside = join(stateDir, 'supervisor.sock');
  if (Buffer.byteLength(inside) <= 100) return inside;
  return join(tmpdir(), `sluice-supervisor-${createHash('sha256').update(stateDir).digest('hex').slice(0, 16)}.sock`);
}

export function readSupervisorRecord(stateDir: string): SupervisorRecord | undefined {
  return readJson<SupervisorRecord>(join(stateDir, 'supervisor.json'));
}

export function writeSupervisorRecord(stateDir: string, record: SupervisorRecord): void {
  mkdirSync(stateDir, { recursive: true });
  writeJsonAtomically(join(stateDir, 'supervisor.json'), record);
}

export function clearSupervisorRecord(stateDir: string): void {
  rmSync(join(stateDir, 'supervisor.json'), { force: true });
}
