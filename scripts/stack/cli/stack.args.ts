export type StackCommand =
  | { command: 'up'; fresh: boolean }
  | { command: 'down' }
  | { command: 'status'; json: boolean }
  | { command: 'provision'; waitMs: number }
  | { command: 'help' };

export const USAGE = `usage: tsx scripts/stack/stack.ts <command> [options]

commands:
  up [--fresh]          start what is missing (Kafka, PostgreSQL), create topics, apply migrations
                        --fresh wipes the data of the services this state dir starts (never external ones)
  down                  stop only what "up" started
  status [--json]       what runs, where, who started it, topics and migrations against their definitions
  provision [--wait-ms N]
                        topics and migrations only, against running services (docker compose); waits up to N ms (default 120000)

environment:
  KAFKA_BROKERS           default 127.0.0.1:9092; a single loopback address lets "up" start a broker there
  DATABASE_URL            used as given when set (must answer)
  SLUICE_STATE_DIR        data, logs and pid files of what "up" starts; default <repo>/.sluice
  SLUICE_LOCAL_PG_PORT    the local PostgreSQL tried when DATABASE_URL is unset; default 5432
  SLUICE_EMBEDDED_PG_PORT port of the embedded PostgreSQL started when nothing else answers; default 5433
`;

export class UsageError extends Error {}

export function parseStackArgs(argv: readonly string[]): StackCommand {
  const [command, ...rest] = argv;
  const flags = new Set(rest.filter((arg) => arg.startsWith('--')));
  const allow = (...known: string[]): void => {
    const unknown = rest.filter((arg) => arg.startsWith('--') && !known.includes(arg));
    if (unknown.length > 0) throw new UsageError(`unknown option for ${command}: ${unknown.join(' ')}`);
  };
  switch (command) {
    case 'up':
      allow('--fresh');
      if (rest.some((arg) => !arg.startsWith('--'))) throw new UsageError(`unexpected argument for up: ${rest.join(' ')}`);
      return { command: 'up', fresh: flags.has('--fresh') };
    case 'down':
      allow();
      if (rest.length > 0) throw new UsageError(`down takes no arguments: ${rest.join(' ')}`);
      return { command: 'down' };
    case 'status':
      allow('--json');
      if (rest.some((arg) => !arg.startsWith('--'))) throw new UsageError(`unexpected argument for status: ${rest.join(' ')}`);
      return { command: 'status', json: flags.has('--json') };
    case 'provision': {
      allow('--wait-ms');
      if (rest.length === 0) return { command: 'provision', waitMs: 120_000 };
      const waitMs = Number(rest[1]);
      if (rest.length !== 2 || rest[0] !== '--wait-ms' || !Number.isInteger(waitMs) || waitMs < 0) {
        throw new UsageError('provision takes only --wait-ms <non-negative integer>');
      }
      return { command: 'provision', waitMs };
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return { command: 'help' };
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}
