import { brokerFiles, runningBrokerPid } from './kafka/broker.process';
import { ClusterInfo, probeKafka } from './kafka/kafka.admin';
import { loadTopicDefinitions } from './kafka/topics.definition';
import { TopicPlan } from './kafka/topics.plan';
import { inspectTopics } from './kafka/topics.provisioner';
import { MigrationState, readMigrationState } from './migrations/ledger.migrations';
import { embeddedFiles, runningEmbeddedPid } from './postgres/embedded.postgres';
import { probePostgres } from './postgres/postgres.probe';
import { currentDatabaseUrl } from './postgres/postgres.stack';
import { StackConfig } from './stack.config';
import { PostgresOrigin, StackState, readState } from './state/stack.state';

export type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

async function attempt<T>(work: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await work() };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

export interface StatusReport {
  state?: StackState;
  kafka: { brokers: string; cluster?: ClusterInfo; ourPid?: number; logFile: string };
  topics?: Outcome<TopicPlan>;
  postgres: { url?: string; origin?: PostgresOrigin; reachable: boolean; reason?: string; ourPid?: number; logFile: string };
  migrations?: Outcome<MigrationState>;
}

/** Looks without touching: what answers, who started it, and how far topics and schema are from their definitions. */
export async function describeStack(config: StackConfig): Promise<StatusReport> {
  const kafkaFiles = brokerFiles(config.stateDir);
  const postgresFiles = embeddedFiles(config.stateDir);
  const [cluster, database] = await Promise.all([probeKafka(config.kafkaBrokers), currentDatabaseUrl(config)]);
  const probe = database === undefined ? undefined : await probePostgres(database.url);
  const reachable = probe?.ok ?? false;

  const [topics, migrations] = await Promise.all([
    cluster === undefined ? undefined : attempt(() => inspectTopics(config.kafkaBrokers, loadTopicDefinitions(config.topicsFile))),
    database === undefined || !reachable ? undefined : attempt(() => readMigrationState(database.url)),
  ]);

  return {
    state: readState(config.stateDir),
    kafka: { brokers: config.kafkaBrokers, cluster, ourPid: runningBrokerPid(kafkaFiles), logFile: kafkaFiles.logFile },
    topics,
    postgres: {
      url: database?.url,
      origin: database?.origin,
      reachable,
      reason: probe !== undefined && !probe.ok ? probe.reason : undefined,
      ourPid: runningEmbeddedPid(postgresFiles),
      logFile: postgresFiles.logFile,
    },
    migrations,
  };
}
