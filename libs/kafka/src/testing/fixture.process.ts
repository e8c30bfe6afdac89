import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const REPO_ROOT = path.resolve(__dirname, '../../../..');

export interface FixtureProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Undefined while the process runs. */
  exit(): { code: number | null; signal: NodeJS.Signals | null } | undefined;
}

/**
 * Runs libs/kafka/src/testing/fixtures/<name>.ts in its own Node process with the tsx loader (which
 * honours the tsconfig path aliases), passing `config` as JSON in argv[2].
 */
export function spawnFixture(name: string, config: object): FixtureProcess {
  const script = path.join(REPO_ROOT, 'libs/kafka/src/testing/fixtures', `${name}.ts`);
  // `node --import tsx` rather than the tsx CLI: the CLI runs the script in a grandchild process,
  // which a SIGKILL sent to the CLI would leave running.
  const child = spawn(process.execPath, ['--import', 'tsx', script, JSON.stringify(config)], {
    cwd: REPO_ROOT,
    env: process.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
  child.on('exit', (code, signal) => (exit = { code, signal }));
  return { child, stdout: () => stdout, stderr: () => stderr, exit: () => exit };
}
