import { probeKafka } from './kafka/kafka.admin';
import { loadTopicDefinitions } from './kafka/topics.definition';
import { ProvisionReport, provisionTopics } from './kafka/topics.provisioner';
import { MigrationOutcome, applyMigrations } from './migrations/ledger.migrations';
import { localDatabaseUrl, redactUrl } from './postgres/database.url';
import { ensureDatabase } from './postgres/postgres.probe';
import { pollUntil } from './process/process.control';
import { DATABASE_NAME, StackConfig } from './stack.config';

export interface ProvisionOutcome {
  topics: ProvisionReport;
  migrations: MigrationOutcome;
}

/**
 * Topics and migrations against services someone else runs (docker compose, a shared cluster),
 * starting nothing. Waits for both to answer first, since in compose they may still be booting.
 */
export async function provisionOnly(config: StackConfig, waitMs: number): Promise<ProvisionOutcome> {
  const databaseUrl = config.databaseUrl ?? localDatabaseUrl(config.localPostgresPort, DATABASE_NAME);
  const definitions = loadTopicDefinitions(config.topicsFile);
  const kafkaUp = await pollUntil(async () => (await probeKafka(config.kafkaBrokers)) !== undefined, {
    timeoutMs: waitMs,
    intervalMs: 1_000,
  });
  if (!kafkaUp) throw new Error(`no Kafka answered at ${config.kafkaBrokers} within ${waitMs} ms`);
  const databaseUp = await pollUntil(async () => (await ensureDatabase(databaseUrl)) !== undefined, {
    timeoutMs: waitMs,
    intervalMs: 1_000,
  });
  if (!databaseUp) throw new Error(`PostgreSQL at ${redactUrl(databaseUrl)} did not answer within ${waitMs} ms`);
  const [topics, migrations] = await Promise.all([provisionTopics(config.kafkaBrokers, definitions), applyMigrations(databaseUrl)]);
  return { topics, migrations };
}
