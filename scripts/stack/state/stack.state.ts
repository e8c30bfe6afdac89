import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export type KafkaOrigin = 'started' | 'ours' | 'external';
export type PostgresOrigin = 'started' | 'ours' | 'DATABASE_URL' | 'local server';

export interface KafkaState {
  brokers: string;
  /** True when this state dir's broker is the one in use: stack:down stops it. */
  startedByUs: boolean;
  pid?: number;
  logFile?: string;
  dataDir?: string;
}

export interface PostgresState {
  /** Redacted: the state file is not a place for passwords. */
  url: string;
  origin: PostgresOrigin;
  startedByUs: boolean;
  pid?: number;
  logFile?: string;
  dataDir?: string;
}

/** <state>/stack.json: what the last stack:up (or test global setup) used and which of it it started. */
export interface StackState {
  kafka?: KafkaState;
  postgres?: PostgresState;
  updatedAt: string;
}

export function stateFile(stateDir: string): string {
  return join(stateDir, 'stack.json');
}

export function readState(stateDir: string): StackState | undefined {
  const file = stateFile(stateDir);
  if (!existsSync(file)) return undefined;
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as StackState;
  } catch {
    // A torn or hand-edited file must not block stack:down: the pid files are the real authority.
    return undefined;
  }
}

export function writeState(stateDir: string, change: Partial<Omit<StackState, 'updatedAt'>>): StackState {
  mkdirSync(stateDir, { recursive: true });
  const next: StackState = { ...readState(stateDir), ...change, updatedAt: new Date().toISOString() };
  const file = stateFile(stateDir);
  // Write then rename, so a reader never sees half a file.
  writeFileSync(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`);
  renameSync(`${file}.tmp`, file);
  return next;
}
