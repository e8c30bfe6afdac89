import { existsSync } from 'node:fs';
import { stopOurKafka } from './kafka/kafka.stack';
import { stopOurPostgres } from './postgres/postgres.stack';
import { StackConfig } from './stack.config';
import { StopOutcome } from './process/process.control';
import { withStackLock } from './state/stack.lock';
import { writeState } from './state/stack.state';

export interface DownReport {
  kafka?: StopOutcome;
  postgres?: StopOutcome;
}

export interface DownScope {
  kafka: boolean;
  postgres: boolean;
}

/**
 * Stops what this state dir started, found by its pid files (not by stack.json, which may be lost):
 * an external broker or database is never ours to stop. `scope` narrows it, so a test run stops only
 * what its own global setup started.
 */
export async function bringDown(config: StackConfig, scope: DownScope = { kafka: true, postgres: true }): Promise<DownReport> {
  // Nothing was ever started from a state dir that does not exist; do not create one to find that out.
  if (!existsSync(config.stateDir)) {
    return { kafka: scope.kafka ? 'not-running' : undefined, postgres: scope.postgres ? 'not-running' : undefined };
  }
  return withStackLock(config.stateDir, async () => {
    const [kafka, postgres] = await Promise.all([scope.kafka ? stopOurKafka(config) : undefined, scope.postgres ? stopOurPostgres(config) : undefined]);
    writeState(config.stateDir, {
      ...(scope.kafka ? { kafka: undefined } : {}),
      ...(scope.postgres ? { postgres: undefined } : {}),
    });
    return { kafka, postgres };
  });
}
