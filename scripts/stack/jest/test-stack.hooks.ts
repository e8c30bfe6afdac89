import { REPO_ROOT, resolveStackConfig } from '../stack.config';
import { bringDown } from '../stack.down';
import { bringUp } from '../stack.up';

/** What global setup started, handed to global teardown (Jest runs both in its main process). */
interface Handoff {
  stateDir: string;
  kafka: boolean;
  postgres: boolean;
}

const HANDOFF = Symbol.for('sluice.test-stack');
type WithHandoff = typeof globalThis & { [HANDOFF]?: Handoff };

const log = (line: string): void => console.log(`[sluice test stack] ${line}`);

/**
 * Brings up (or just confirms) Kafka, PostgreSQL, topics and migrations for integration and e2e
 * specs, and exports their addresses to the test workers, which Jest forks after this returns.
 * Whatever answers already is used and left alone; only what is started here is stopped afterwards.
 */
export async function setUpTestStack(): Promise<void> {
  const config = resolveStackConfig(process.env, REPO_ROOT);
  const report = await bringUp(config, { rollbackOnFailure: true, log });
  process.env.KAFKA_BROKERS = report.kafka.brokers;
  process.env.DATABASE_URL = report.postgres.url;
  for (const drift of report.topics.plan.drift) log(`topic drift: ${drift.name} ${drift.reason}`);
  (globalThis as WithHandoff)[HANDOFF] = {
    stateDir: config.stateDir,
    kafka: report.kafka.origin === 'started',
    postgres: report.postgres.origin === 'started',
  };
  const started = [
    report.kafka.origin === 'started' ? `Kafka at ${report.kafka.brokers}` : undefined,
    report.postgres.origin === 'started' ? `PostgreSQL at ${report.postgres.url}` : undefined,
  ].filter((what): what is string => what !== undefined);
  if (started.length > 0) log(`started for this run, stopped after it: ${started.join(' and ')}`);
}

export async function tearDownTestStack(): Promise<void> {
  const handoff = (globalThis as WithHandoff)[HANDOFF];
  if (handoff === undefined || (!handoff.kafka && !handoff.postgres)) return;
  const config = { ...resolveStackConfig(process.env, REPO_ROOT), stateDir: handoff.stateDir };
  await bringDown(config, { kafka: handoff.kafka, postgres: handoff.postgres });
  delete (globalThis as WithHandoff)[HANDOFF];
}
