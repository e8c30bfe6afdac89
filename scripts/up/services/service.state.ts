import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ServiceName } from './service.catalog';

/** <state>/services/<name>.json: one process `npm run up` started. */
export interface ServiceRecord {
  name: ServiceName;
  pid: number;
  port: number;
  logFile: string;
  bundle: string;
  /** The bundle's mtime when the process started: a rebuilt bundle means the process runs old code. */
  bundleMtimeMs: number;
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

export function logFileOf(stateDir: string, service: ServiceName): string {
  return join(logsDir(stateDir), `${service}.log`);
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

function recordFile(stateDir: string, service: ServiceName): string {
  return join(servicesDir(stateDir), `${service}.json`);
}

export function readServiceRecord(stateDir: string, service: ServiceName): ServiceRecord | undefined {
  return readJson<ServiceRecord>(recordFile(stateDir, service));
}

export function writeServiceRecord(stateDir: string, record: ServiceRecord): void {
  mkdirSync(servicesDir(stateDir), { recursive: true });
  writeJsonAtomically(recordFile(stateDir, record.name), record);
}

export function removeServiceRecord(stateDir: string, service: ServiceName): void {
  rmSync(recordFile(stateDir, service), { force: true });
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
