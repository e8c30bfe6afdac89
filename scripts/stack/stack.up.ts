import { KafkaReady, ensureKafka, stopOurKafka } from './kafka/kafka.stack';
import { loadTopicDefinitions } from './kafka/topics.definition';
import { ProvisionReport, provisionTopics } from './kafka/topics.provisioner';
import { MigrationOutcome, applyMigrations } from './migrations/ledger.migrations';
import { redactUrl } from './postgres/database.url';
import { PostgresReady, ensurePostgres, stopOurPostgres } from './postgres/postgres.stack';
import { StackConfig } from './stack.config';
import { withStackLock } from './state/stack.lock';
import { writeState } from './state/stack.state';

export interface UpOptions {
  /** Wipe the data of what we start (never of external services) before starting. */
  fresh?: boolean;
  readyTimeoutMs?: number;
  /** Stop what this call started when a later step fails: a test run must not leak a broker. */
  rollbackOnFailure?: boolean;
  log?: (line: string) => void;
}

export interface UpReport {
  kafka: KafkaReady;
  postgres: PostgresReady;
  topics: ProvisionReport;
  migrations: MigrationOutcome;
  elapsedMs: number;
}

function recordKafka(config: StackConfig, kafka: KafkaReady): void {
  writeState(config.stateDir, {
    kafka: {
      brokers: kafka.brokers,
      startedByUs: kafka.origin !== 'external',
      pid: kafka.pid,
      logFile: kafka.logFile,
      dataDir: kafka.dataDir,
    },
  });
}

function recordPostgres(config: StackConfig, postgres: PostgresReady): void {
  writeState(config.stateDir, {
    postgres: {
      url: redactUrl(postgres.url),
      origin: postgres.origin,
      startedByUs: postgres.origin === 'started' || postgres.origin === 'ours',
      pid: postgres.pid,
      logFile: postgres.logFile,
      dataDir: postgres.dataDir,
    },
  });
}

/**
 * Kafka and PostgreSQL (started in parallel when missing), then topics and migrations. Every step
 * is idempotent, so a second run only confirms; state is recorded as soon as something is started,
 * so stack:down can stop it even when a later step fails.
 */
export function bringUp(config: StackConfig, options: UpOptions = {}): Promise<UpReport> {
  return withStackLock(config.stateDir, () => bringUpLocked(config, options));
}

async function bringUpLocked(config: StackConfig, options: UpOptions): Promise<UpReport> {
  const began = Date.now();
  const log = options.log ?? (() => undefined);
  const common = { fresh: options.fresh ?? false, readyTimeoutMs: options.readyTimeoutMs ?? 90_000, log };
  const definitions = loadTopicDefinitions(config.topicsFile);

  const [kafkaResult, postgresResult] = await Promise.allSettled([
    ensureKafka(config, common).then((kafka) => {
      recordKafka(config, kafka);
      return kafka;
    }),
    ensurePostgres(config, common).then((postgres) => {
      recordPostgres(config, postgres);
      return postgres;
    }),
  ]);
  const startedNow = {
    kafka: kafkaResult.status === 'fulfilled' && kafkaResult.value.origin === 'started',
    postgres: postgresResult.status === 'fulfilled' && postgresResult.value.origin === 'started',
  };

  try {
    if (kafkaResult.status === 'rejected') throw kafkaResult.reason;
    if (postgresResult.status === 'rejected') throw postgresResult.reason;
    const kafka = kafkaResult.value;
    const postgres = postgresResult.value;
    const [topics, migrations] = await Promise.all([provisionTopics(kafka.brokers, definitions), applyMigrations(postgres.url)]);
    return { kafka, postgres, topics, migrations, elapsedMs: Date.now() - began };
  } catch (error) {
    if (options.rollbackOnFailure) {
      if (startedNow.kafka) await stopOurKafka(config);
      if (startedNow.postgres) await stopOurPostgres(config);
      writeState(config.stateDir, {
        ...(startedNow.kafka ? { kafka: undefined } : {}),
        ...(startedNow.postgres ? { postgres: undefined } : {}),
      });
    }
    throw error;
  }
}
