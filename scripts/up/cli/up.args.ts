import { parseArgs } from 'node:util';
import { MAX_COPIES, SLUICE_APPS, SluiceApp } from '../services/service.catalog';

export type UpCommand =
  | { command: 'up'; rebuild: boolean; readyTimeoutMs: number; copies: Partial<Record<SluiceApp, number>> }
  | { command: 'down' }
  | { command: 'status' }
  | { command: 'help' };

export const DEFAULT_READY_TIMEOUT_MS = 120_000;

export const USAGE = `usage: npm run up [-- --rebuild] [-- --timeout <seconds>] [-- --copies <app>=<n>[,<app>=<n>...]]
       npm run up:status
       npm run down

up      the stack (Kafka, PostgreSQL, topics, migrations: as npm run stack:up), then the five Sluice
        apps and the provider emulator from their bundles (built first when missing or older than
        their sources), detached, logs in <state>/logs; returns once every /health/ready answers 200.
        Bulk work runs apart: ingestion-bulk and router-bulk (port + 50) consume the bulk topics'
        groups at a lower CPU priority, as does the batch-aggregator, so urgent work goes first.
        Leaves a supervisor running that restarts a service that exits (waits 1 s doubling to 30 s)
        --rebuild        build every bundle even when it looks fresh
        --timeout <s>    how long the services may take to become ready (default ${DEFAULT_READY_TIMEOUT_MS / 1000})
        --copies a=n     run n copies of app a (1 to ${MAX_COPIES}) in its consumer groups; copy k listens on
                         the app's port + 100 × (k - 1). An app not named keeps as many copies as run now.
                         Apps: ${SLUICE_APPS.join(', ')}
status  each service up started: pid, running or waiting for its restart, restarts, last exit
down    stops the supervisor, then the services up started, every copy (SIGTERM, SIGKILL after a grace
        period), then what of the stack up itself started; what was already running before stays up

environment: SLUICE_STATE_DIR (default <repo>/.sluice), KAFKA_BROKERS, DATABASE_URL, LOG_LEVEL,
             OPENAI_BASE_URL / ANTHROPIC_BASE_URL (default: the emulator)
`;

export class UsageError extends Error {}

function isApp(name: string): name is SluiceApp {
  return (SLUICE_APPS as readonly string[]).includes(name);
}

/** `router=3,realtime-worker=2` (also given as several --copies): copies per app. */
export function parseCopies(values: readonly string[]): Partial<Record<SluiceApp, number>> {
  const copies: Partial<Record<SluiceApp, number>> = {};
  for (const pair of values.flatMap((value) => value.split(','))) {
    const [app = '', count = '', ...rest] = pair.split('=');
    if (!isApp(app)) throw new UsageError(`--copies: "${app}" is not a Sluice app (${SLUICE_APPS.join(', ')})`);
    const n = Number(count);
    if (rest.length > 0 || !Number.isInteger(n) || n < 1 || n > MAX_COPIES) {
      throw new UsageError(`--copies: ${app} needs a whole number of copies from 1 to ${MAX_COPIES}, got "${pair.slice(app.length + 1)}"`);
    }
    copies[app] = n;
  }
  return copies;
}

function parseTimeout(value: string | undefined): number {
  if (value === undefined) return DEFAULT_READY_TIMEOUT_MS;
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout needs a positive number of seconds, got "${value}"`);
  return Math.round(seconds * 1000);
}

export function parseUpArgs(argv: readonly string[]): UpCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      let values;
      try {
        ({ values } = parseArgs({
          args: [...rest],
          options: { rebuild: { type: 'boolean' }, timeout: { type: 'string' }, copies: { type: 'string', multiple: true } },
          strict: true,
          allowPositionals: false,
        }));
      } catch (error) {
        throw new UsageError(`up: ${(error as Error).message}`);
      }
      return {
        command: 'up',
        rebuild: values.rebuild ?? false,
        readyTimeoutMs: parseTimeout(values.timeout),
        copies: parseCopies(values.copies ?? []),
      };
    }
    case 'down':
    case 'status':
      if (rest.length > 0) throw new UsageError(`${command} takes no options: ${rest.join(' ')}`);
      return { command };
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}
