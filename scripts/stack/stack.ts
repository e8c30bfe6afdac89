import { USAGE, UsageError, parseStackArgs } from './cli/stack.args';
import { loadTopicDefinitions } from './kafka/topics.definition';
import { formatDown, formatProvision, formatStatus, formatUp } from './report/stack.report';
import { REPO_ROOT, resolveStackConfig } from './stack.config';
import { bringDown } from './stack.down';
import { provisionOnly } from './stack.provision';
import { describeStack } from './stack.status';
import { bringUp } from './stack.up';

const log = (line: string): void => console.log(`stack: ${line}`);

async function main(argv: readonly string[]): Promise<number> {
  const command = parseStackArgs(argv);
  const config = resolveStackConfig(process.env, REPO_ROOT);
  switch (command.command) {
    case 'help':
      console.log(USAGE);
      return 0;
    case 'up': {
      const report = await bringUp(config, { fresh: command.fresh, log });
      console.log(formatUp(report, config.stateDir, loadTopicDefinitions(config.topicsFile).length));
      return 0;
    }
    case 'down':
      console.log(formatDown(await bringDown(config), config.stateDir));
      return 0;
    case 'status': {
      const status = await describeStack(config);
      console.log(command.json ? JSON.stringify(status, null, 2) : formatStatus(status, config.stateDir, loadTopicDefinitions(config.topicsFile)));
      return 0;
    }
    case 'provision': {
      const outcome = await provisionOnly(config, command.waitMs);
      console.log(formatProvision(outcome, loadTopicDefinitions(config.topicsFile).length));
      return 0;
    }
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`stack: ${error.message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(`stack: failed: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
