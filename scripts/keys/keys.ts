import { createPool } from '@sluice/ledger';
import { parseKeysArgs, USAGE, UsageError } from './keys.args';
import { runKeysCommand } from './keys.commands';

const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/sluice';

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseKeysArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`keys: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  const pool = createPool(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL, { max: 1, applicationName: 'sluice-keys' });
  try {
    return await runKeysCommand(pool, command, {
      out: (line) => process.stdout.write(`${line}\n`),
      note: (line) => process.stderr.write(`keys: ${line}\n`),
    });
  } finally {
    await pool.end();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // The error, not the URL: a connection string may hold a password.
    process.stderr.write(`keys: failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
