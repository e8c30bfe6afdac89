import { setTimeout as sleep } from 'node:timers/promises';
import { CliError, SluiceClient } from './api/sluice.client';
import { parseSluiceArgs, USAGE, UsageError } from './cli/sluice.args';
import { runDlqCommand } from './dlq/dlq.command';
import { openDlqPorts } from './dlq/dlq.ports';
import { submitJob } from './submit/submit.command';
import { localFiles, terminalDisplay } from './submit/submit.ports';

async function main(argv: readonly string[]): Promise<number> {
  let command;
  try {
    command = parseSluiceArgs(argv, process.env);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`sluice: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (command.command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (command.command === 'dlq') {
    const ports = openDlqPorts(process.env);
    try {
      return await runDlqCommand(command.options, ports);
    } finally {
      await ports.close();
    }
  }
  const { options } = command;
  const display = terminalDisplay();
  process.once('SIGINT', () => {
    display.stop();
    process.stderr.write('sluice: stopped; the job goes on: run the same command again to follow it (nothing is submitted twice)\n');
    process.exit(130);
  });
  try {
    return await submitJob(options, {
      client: new SluiceClient(options.url, options.key),
      files: localFiles,
      display,
      sleep: (ms) => sleep(ms),
    });
  } finally {
    display.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    // The message, never the options: they hold the API key.
    const code = (error as NodeJS.ErrnoException).code;
    const message =
      error instanceof CliError
        ? error.message
        : code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR'
          ? `cannot read or write ${(error as NodeJS.ErrnoException).path ?? 'a file'} (${code})`
          : `failed: ${error instanceof Error ? error.message : String(error)}`;
    process.stderr.write(`sluice: ${message}\n`);
    process.exitCode = 1;
  },
);
