export type UpCommand =
  | { command: 'up'; rebuild: boolean; readyTimeoutMs: number }
  | { command: 'down' }
  | { command: 'help' };

export const DEFAULT_READY_TIMEOUT_MS = 120_000;

export const USAGE = `usage: npm run up [-- --rebuild] [-- --timeout <seconds>]
       npm run down

up      the stack (Kafka, PostgreSQL, topics, migrations: as npm run stack:up), then the five Sluice
        apps and the provider emulator from their bundles (built first when missing or older than
        their sources), detached, logs in <state>/logs; returns once every /health/ready answers 200
        --rebuild        build every bundle even when it looks fresh
        --timeout <s>    how long the services may take to become ready (default ${DEFAULT_READY_TIMEOUT_MS / 1000})
down    stops the services up started (SIGTERM, SIGKILL after a grace period), then what of the
        stack up itself started; what was already running before stays up

environment: SLUICE_STATE_DIR (default <repo>/.sluice), KAFKA_BROKERS, DATABASE_URL, LOG_LEVEL,
             OPENAI_BASE_URL / ANTHROPIC_BASE_URL (default: the emulator)
`;

export class UsageError extends Error {}

export function parseUpArgs(argv: readonly string[]): UpCommand {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up': {
      let rebuild = false;
      let readyTimeoutMs = DEFAULT_READY_TIMEOUT_MS;
      for (let i = 0; i < rest.length; i += 1) {
        const arg = rest[i];
        if (arg === '--rebuild') {
          rebuild = true;
        } else if (arg === '--timeout') {
          const seconds = Number(rest[i + 1]);
          if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--timeout needs a positive number of seconds, got "${rest[i + 1] ?? ''}"`);
          readyTimeoutMs = Math.round(seconds * 1000);
          i += 1;
        } else {
          throw new UsageError(`unknown option for up: ${arg}`);
        }
      }
      return { command: 'up', rebuild, readyTimeoutMs };
    }
    case 'down':
      if (rest.length > 0) throw new UsageError(`down takes no options: ${rest.join(' ')}`);
      return { command: 'down' };
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}
