import { rmSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { supervisorSocket } from '../services/service.state';
import { ProcessSupervisor } from './process.supervisor';
import { DEFAULT_RESTART_POLICY, RestartPolicy } from './restart.policy';
import { serveSupervisor } from './supervisor.server';

/**
 * The supervisor process `npm run up` leaves running (ensureSupervisor): node --import tsx
 * supervise.ts --state-dir <dir>, its output in <state>/logs/supervisor.log. Policy flags exist for
 * tests, which cannot wait a second per restart.
 */
async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'state-dir': { type: 'string' },
      'first-delay-ms': { type: 'string' },
      'max-delay-ms': { type: 'string' },
      'stable-after-ms': { type: 'string' },
    },
    strict: true,
  });
  const stateDir = values['state-dir'];
  if (stateDir === undefined) throw new Error('--state-dir is required');
  const policy: RestartPolicy = {
    firstDelayMs: Number(values['first-delay-ms'] ?? DEFAULT_RESTART_POLICY.firstDelayMs),
    maxDelayMs: Number(values['max-delay-ms'] ?? DEFAULT_RESTART_POLICY.maxDelayMs),
    stableAfterMs: Number(values['stable-after-ms'] ?? DEFAULT_RESTART_POLICY.stableAfterMs),
  };
  const log = (line: string): void => console.log(`${new Date().toISOString()} ${line}`);

  const supervisor = new ProcessSupervisor(stateDir, policy, log);
  const socket = supervisorSocket(stateDir);
  // npm run up starts a supervisor only when none runs: a socket file left is a dead one's.
  rmSync(socket, { force: true });
  const server = await serveSupervisor(supervisor, socket);
  log(
    `supervisor (pid ${process.pid}) listening on ${socket}: restarts wait ${policy.firstDelayMs} ms doubling to ${policy.maxDelayMs} ms, ` +
      `back to the first once a run lasted ${policy.stableAfterMs} ms`,
  );

  const stop = (signal: string): void => {
    // Watching ends before anything else, so a service npm run down stops next is not restarted.
    supervisor.close();
    server.close();
    rmSync(socket, { force: true });
    log(`supervisor: ${signal}: stopped watching; the services keep running until npm run down stops them`);
    process.exit(0);
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main(process.argv.slice(2)).catch((error: unknown) => {
  console.error(`supervisor: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
