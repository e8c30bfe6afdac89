import { REPO_ROOT, resolveStackConfig } from '../stack/stack.config';
import { USAGE, UsageError, parseUpArgs } from './cli/up.args';
import { formatSluiceDown, formatSluiceStatus, formatSluiceUp } from './report/up.report';
import { bringSluiceDown } from './sluice.down';
import { describeSluice, withHealth } from './sluice.status';
import { bringSluiceUp } from './sluice.up';

const log = (line: string): void => console.log(`up: ${line}`);

async function main(argv: readonly string[]): Promise<number> {
  const command = parseUpArgs(argv);
  const config = resolveStackConfig(process.env, REPO_ROOT);
  switch (command.command) {
    case 'help':
      console.log(USAGE);
      return 0;
    case 'up': {
      const report = await bringSluiceUp(config, { rebuild: command.rebuild, readyTimeoutMs: command.readyTimeoutMs, copies: command.copies, log });
      console.log(formatSluiceUp(report, REPO_ROOT, config.stateDir));
      return 0;
    }
    case 'down':
      console.log(formatSluiceDown(await bringSluiceDown(config), config.stateDir));
      return 0;
    case 'status':
      console.log(formatSluiceStatus(await withHealth(describeSluice(config)), REPO_ROOT, config.stateDir));
      return 0;
  }
}

function describe(error: unknown): string {
  if (error instanceof AggregateError) return error.errors.map(describe).join('\n\n');
  return error instanceof Error ? error.message : String(error);
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`up: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`up: failed: ${describe(error)}\n\nWhat did start keeps running; npm run up:status shows it, npm run down stops it.`);
    process.exit(1);
  },
);
