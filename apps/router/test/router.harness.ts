import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { AcceptedRequestV1, validateMessage } from '@sluice/contracts';
import { ConsumerRunner, type KafkaDriver, KafkaProducer } from '@sluice/kafka';
import { collectMessages, createRandomTopic, deleteTopics, fastSession, type MessageCollector, testKafka } from '@sluice/kafka/testing';
import { createRepositories, databaseName, type LedgerRepositories, maintenanceUrl, requestRecordFromAccepted } from '@sluice/ledger';
import { createTestDatabase, type TestDatabase } from '@sluice/ledger/testing/test-database';
import { MetricsRegistry, SluiceServiceModule } from '@sluice/observability';
import { randomGroupId } from '@sluice/testing';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { Pool } from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AcceptedConsumer } from '../src/accepted/accepted.consumer';
import type { Destination } from '../src/accepted/routing.ports';
import { ROUTER_TOPICS, type RouterTopics } from '../src/publishing/router.topics';
import { RouterConfig } from '../src/router.config';
import { RouterModule } from '../src/router.module';

/** Builds the router's module as bootstrapService would, with the environment given for the duration of the build. */
export async function buildRouterApp(env: Record<string, string>, topics?: RouterTopics): Promise<INestApplication> {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  try {
    let builder = Test.createTestingModule({
      imports: [{ module: RouterModule, imports: [SluiceServiceModule.forRoot({ name: 'router', config: RouterConfig })] }],
    });
    if (topics) builder = builder.overrideProvider(ROUTER_TOPICS).useValue(topics);
    const moduleRef = await builder.compile();
    return moduleRef.createNestApplication({ logger: false });
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

export function writePolicyFile(policy: unknown): { path: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'sluice-router-policy-'));
  const path = join(dir, 'routing-policy.json');
  writeFileSync(path, typeof policy === 'string' ? policy : JSON.stringify(policy));
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface Decoded {
  key: string | undefined;
  /** The record's timestamp (ms since the epoch, as a string): the producer's clock when it sent it. */
  timestamp: string;
  headers: Record<string, string>;
  value: Record<string, unknown>;
}

function decode(collector: MessageCollector): Decoded[] {
  return collector.messages.map((message) => ({
    key: message.key?.toString(),
    timestamp: message.timestamp,
    headers: message.headers,
    value: JSON.parse(message.value?.toString() ?? 'null') as Record<string, unknown>,
  }));
}

/** The tenant of a lane request, result or event. */
function tenantOf(value: Record<string, unknown>): unknown {
  return (value.request as Record<string, unknown> | undefined)?.tenant ?? value.tenant;
}

interface RouterWiring {
  acceptedTopic: string;
  /** Read by a consumer group of its own, `<groupId>.urgent`, as the router's transport does. */
  urgentTopic: string;
  topics: RouterTopics & { deadLetter: string };
  groupId: string;
}

interface RunningRouter {
  app: INestApplication;
  wiring: RouterWiring;
  /** Retries of its consumers so far, summed. */
  retries(): number;
  stop(): Promise<void>;
}

/**
 * One router instance: its module (scheduler included) and two ConsumerRunners feeding its consumer a
 * batch at a time, the accepted topic in the router's group and the urgent one in a group of its own,
 * as bootstrapService runs them.
 */
async function startRouter(kafka: KafkaDriver, env: Record<string, string>, wiring: RouterWiring): Promise<RunningRouter> {
  const app = await buildRouterApp(env, wiring.topics);
  await app.init();
  const consumer = app.get(AcceptedConsumer);
  const runner = (topic: string, groupId: string): ConsumerRunner<AcceptedRequestV1> =>
    new ConsumerRunner<AcceptedRequestV1>({
      kafka,
      groupId,
      topics: [topic],
      validate: (plain) => validateMessage(AcceptedRequestV1, plain),
      handleBatch: (batch) => consumer.route(batch),
      deadLetter: { topic: wiring.topics.deadLetter },
      partitionsConsumedConcurrently: 3,
      session: fastSession,
      onFatal: () => undefined,
    });
  const runners = [runner(wiring.acceptedTopic, wiring.groupId), runner(wiring.urgentTopic, `${wiring.groupId}.urgent`)];
  await Promise.all(runners.map((r) => r.start()));
  return {
    app,
    wiring,
    retries: () => runners.reduce((sum, r) => sum + r.stats().retries, 0),
    stop: async () => {
      await Promise.all(runners.map((r) => r.stop()));
      await app.close();
    },
  };
}

/**
 * The router's module in this process on the real broker and a fresh database: accepted requests are
 * produced to a topic of the test's own, consumed by a ConsumerRunner that hands them to the router's
 * consumer, and everything the router sends lands on topics of the test's own as well.
 */
export class RouterHarness {
  private constructor(
    private router: RunningRouter,
    private readonly routerEnv: Record<string, string>,
    readonly kafka: KafkaDriver,
    readonly db: TestDatabase,
    readonly ledger: LedgerRepositories,
    private readonly producer: KafkaProducer,
    readonly acceptedTopic: string,
    readonly urgentTopic: string,
    readonly topics: RouterTopics & { deadLetter: string },
    private readonly collectors: Record<Destination | 'deadLetter', MessageCollector>,
    private readonly cleanup: () => void,
  ) {}

  /** `env` adds router settings (ROUTER_OFFPEAK_POLL_MS, ...) to the ones the harness sets. */
  static async start(policy: unknown, env: Record<string, string> = {}): Promise<RouterHarness> {
    const kafka = testKafka();
    const db = await createTestDatabase();
    const policyFile = writePolicyFile(policy);
    const random = (prefix: string, partitions = 1): Promise<string> => createRandomTopic(kafka, { prefix: `router-${prefix}`, partitions });
    const [acceptedTopic, urgentTopic, realtime, async, batch, results, events, deadLetter] = await Promise.all([
      random('accepted', 3),
      random('urgent', 3),
      random('realtime'),
      random('async'),
      random('batch'),
      random('results'),
      random('events'),
      random('dlq'),
    ]);
    const topics = { realtime, async, batch, results, events, deadLetter };
    const routerEnv = {
      DATABASE_URL: db.url,
      ROUTING_POLICY_FILE: policyFile.path,
      KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
      LOG_LEVEL: 'warn',
      ...env,
    };
    const router = await startRouter(kafka, routerEnv, { acceptedTopic, urgentTopic, topics, groupId: randomGroupId('router') });
    const producer = new KafkaProducer(kafka);
    await producer.connect();
    const collectors = {
      realtime: await collectMessages(kafka, realtime),
      async: await collectMessages(kafka, async),
      batch: await collectMessages(kafka, batch),
      results: await collectMessages(kafka, results),
      events: await collectMessages(kafka, events),
      deadLetter: await collectMessages(kafka, deadLetter),
    };
    return new RouterHarness(
      router,
      routerEnv,
      kafka,
      db,
      createRepositories(db.pool),
      producer,
      acceptedTopic,
      urgentTopic,
      topics,
      collectors,
      policyFile.remove,
    );
  }

  get app(): INestApplication {
    return this.router.app;
  }

  /**
   * Stops this router instance and starts a new one on the same database, topics and consumer group,
   * as a redeployed or crashed-and-restarted router would: whatever the old one held in memory is gone.
   */
  async restartRouter(): Promise<void> {
    await this.router.stop();
    this.router = await startRouter(this.kafka, this.routerEnv, this.router.wiring);
  }

  /** Records the request in the ledger, as ingestion does, then produces it; `record: false` skips the ledger. */
  async submit(accepted: Record<string, unknown>, options: { record?: boolean } = {}): Promise<AcceptedRequestV1> {
    const checked = validateMessage(AcceptedRequestV1, accepted);
    if (!checked.ok) throw new Error(`test request is invalid: ${JSON.stringify(checked.errors)}`);
    if (options.record !== false) await this.ledger.requests.insert(requestRecordFromAccepted(checked.value));
    await this.producer.send(this.acceptedTopic, [{ key: checked.value.request.id, value: accepted }]);
    return checked.value;
  }

  /**
   * Records the valid ones in the ledger in one call, then produces all of them with one send per
   * topic, so that messages with one key arrive in one fetched batch. `value` may be anything (an
   * invalid message); `urgent` sends it to the urgent topic; `record: false` keeps it out of the ledger.
   */
  async submitMany(items: ReadonlyArray<{ value: Record<string, unknown>; key: string; urgent?: boolean; record?: boolean }>): Promise<void> {
    const records = items.flatMap(({ value, record }) => {
      const checked = validateMessage(AcceptedRequestV1, value);
      return record !== false && checked.ok ? [requestRecordFromAccepted(checked.value)] : [];
    });
    await this.ledger.requests.insertMany(records);
    const send = (urgent: boolean) => {
      const messages = items.filter((item) => (item.urgent ?? false) === urgent).map(({ key, value }) => ({ key, value }));
      return messages.length === 0 ? Promise.resolve() : this.producer.send(urgent ? this.urgentTopic : this.acceptedTopic, messages);
    };
    await Promise.all([send(false), send(true)]);
  }

  /** Everything sent to a destination about one tenant's requests. */
  on(destination: Destination | 'deadLetter', tenant: string): Decoded[] {
    return decode(this.collectors[destination]).filter((message) => tenantOf(message.value) === tenant);
  }

  deadLetters(): Decoded[] {
    return decode(this.collectors.deadLetter);
  }

  metrics(): Promise<string> {
    return this.app.get(MetricsRegistry).metrics();
  }

  /** How many times the running router's consumers retried a failed attempt. */
  retries(): number {
    return this.router.retries();
  }

  /**
   * Closes the router's database to new connections and ends the ones it has, as a restart or a
   * failover does, until the returned function opens it again.
   */
  async closeDatabase(): Promise<() => Promise<void>> {
    const admin = new Pool({ connectionString: maintenanceUrl(this.db.url), max: 1 });
    const name = databaseName(this.db.url);
    await admin.query(`alter database "${name}" allow_connections false`);
    await admin.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
    return async () => {
      await admin.query(`alter database "${name}" allow_connections true`);
      await admin.end();
    };
  }

  async close(): Promise<void> {
    await this.router.stop();
    await this.producer.disconnect();
    await Promise.all(Object.values(this.collectors).map((collector) => collector.stop()));
    await deleteTopics(this.kafka, [this.acceptedTopic, this.urgentTopic, ...Object.values(this.topics)]);
    await this.db.drop();
    this.cleanup();
  }
}
