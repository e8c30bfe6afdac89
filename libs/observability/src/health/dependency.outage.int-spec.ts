import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { SluiceConfig } from '@sluice/config';
import { ConsumerRunner, type KafkaDriver } from '@sluice/kafka';
import { createRandomTopic, deleteTopics, fastSession, produceFixtures, testKafka } from '@sluice/kafka/testing';
import { createPool, databaseName, maintenanceUrl } from '@sluice/ledger';
import { createTestDatabase, type TestDatabase } from '@sluice/ledger/testing/test-database';
import { waitFor } from '@sluice/testing';
import { Writable } from 'node:stream';
import { Client, type Pool } from 'pg';
import request from 'supertest';
import { SluiceServiceModule } from '../bootstrap/service.module';
import { PG_POOL } from '../database/database.tokens';
import { createRootLogger } from '../logging/logger.options';
import { ROOT_LOGGER } from '../logging/logging.tokens';
import { ConsumerHealthRegistry } from './consumer-health.registry';
import type { HealthSummary } from './dependency.summary';

/**
 * Closes the test's own database to new connections and ends the ones it has, as an outage or a
 * failover would, without root: ALLOW_CONNECTIONS is the owner's (here the superuser's) to set.
 * Only this test's database is touched, never `sluice`.
 */
async function onMaintenance<T>(databaseUrl: string, work: (client: Client, name: string) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: maintenanceUrl(databaseUrl) });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return await work(client, databaseName(databaseUrl));
  } finally {
    await client.end();
  }
}

const quoted = (name: string): string => `"${name.replace(/"/g, '""')}"`;

function refuseConnections(databaseUrl: string): Promise<void> {
  return onMaintenance(databaseUrl, async (client, name) => {
    await client.query(`alter database ${quoted(name)} allow_connections false`);
    await client.query('select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()', [name]);
  });
}

function allowConnections(databaseUrl: string): Promise<void> {
  return onMaintenance(databaseUrl, async (client, name) => {
    await client.query(`alter database ${quoted(name)} allow_connections true`);
  });
}

describe('health through a database outage (real PostgreSQL and broker)', () => {
  let database: TestDatabase;
  let pool: Pool;
  let app: INestApplication;
  let kafka: KafkaDriver;
  let runner: ConsumerRunner<{ id: string }>;
  let topic: string;
  let deadLetters: string;
  let outage = false;
  const logLines: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase({ migrate: false });
    await database.pool.query('create table seen (id text primary key)');
    pool = createPool(database.url, { max: 4, applicationName: 'sluice-health-test' });
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    });
    const moduleRef = await Test.createTestingModule({ imports: [SluiceServiceModule.forRoot({ name: 'probe', config: SluiceConfig })] })
      .overrideProvider(PG_POOL)
      .useValue(pool)
      .overrideProvider(ROOT_LOGGER)
      .useValue(createRootLogger('probe', 'info', sink))
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
    await app.init();

    kafka = testKafka();
    topic = await createRandomTopic(kafka, { prefix: 'health-outage' });
    deadLetters = await createRandomTopic(kafka, { prefix: 'health-outage-dlq' });
    runner = new ConsumerRunner<{ id: string }>({
      kafka,
      topics: [topic],
      groupId: `${topic}-group`,
      fromBeginning: true,
      session: fastSession,
      retry: { maxRetries: 2, initialDelayMs: 20, maxDelayMs: 200, jitter: 0 },
      deadLetter: { topic: deadLetters },
      handle: async (message) => {
        await pool.query('insert into seen (id) values ($1) on conflict do nothing', [message.id]);
      },
      onFatal: (error) => {
        throw new Error(`unexpected fatal in test: ${error.message}`);
      },
    });
    app.get(ConsumerHealthRegistry).register(runner.groupId, { consumerHealth: () => runner.health() });
    await runner.start();
  }, 120_000);

  afterAll(async () => {
    if (outage) await allowConnections(database.url);
    await runner?.stop();
    await app?.close();
    await deleteTopics(kafka, [topic, deadLetters]);
    await database?.drop();
  });

  const summary = async (): Promise<HealthSummary> => {
    const response = await request(app.getHttpServer()).get('/health').expect(200);
    return response.body as HealthSummary;
  };

  const dependencyUp = async (dependency: string): Promise<string | undefined> => {
    const text = (await request(app.getHttpServer()).get('/metrics').expect(200)).text;
    return new RegExp(`^sluice_dependency_up\\{dependency="${dependency}",service="probe"\\} (\\d)$`, 'm').exec(text)?.[1];
  };

  const seen = async (id: string): Promise<boolean> => {
    const { rows } = await database.pool.query('select 1 from seen where id = $1', [id]);
    return rows.length === 1;
  };

  it('reports degraded with the reason while the database refuses, the partition waiting, and ok again by itself when it is back', async () => {
    await waitFor(async () => (await summary()).status === 'ok', { timeoutMs: 30_000, description: 'the service to be healthy' });
    expect(await dependencyUp('database')).toBe('1');
    expect(await dependencyUp('kafka')).toBe('1');

    outage = true;
    await refuseConnections(database.url);
    await produceFixtures(kafka, topic, [{ key: 'a', value: { id: 'during-the-outage' } }]);

    const degraded = await waitFor(
      async () => {
        const current = await summary();
        return current.status === 'degraded' && current.waiting.length > 0 ? current : null;
      },
      { timeoutMs: 30_000, description: 'health to report the outage and the waiting consumer' },
    );
    expect(degraded.dependencies.database).toEqual({
      status: 'down',
      reason: expect.stringMatching(/is not currently accepting connections/) as unknown,
      since: expect.any(String) as unknown,
    });
    expect(degraded.dependencies.kafka).toEqual({ status: 'up' });
    expect(degraded.waiting).toEqual([
      {
        consumer: runner.groupId,
        dependency: 'the ledger database',
        reason: expect.stringMatching(/accepting connections|terminat/) as unknown,
        since: expect.any(String) as unknown,
        waiting: 1,
      },
    ]);
    expect(await dependencyUp('database')).toBe('0');
    await request(app.getHttpServer()).get('/health/ready').expect(503);
    await request(app.getHttpServer()).get('/health/live').expect(200);
    // Waited for past the retry budget (two retries), and still not dead-lettered.
    await waitFor(() => runner.stats().retries > 4, { timeoutMs: 30_000, description: 'the consumer to retry past its budget' });
    expect(runner.stats().deadLettered).toBe(0);

    await allowConnections(database.url);
    outage = false;

    await waitFor(() => seen('during-the-outage'), { timeoutMs: 30_000, description: 'the waiting message to be handled' });
    const recovered = await waitFor(
      async () => {
        const current = await summary();
        return current.status === 'ok' ? current : null;
      },
      { timeoutMs: 30_000, description: 'health to be ok again' },
    );
    expect(recovered).toEqual({ status: 'ok', dependencies: { database: { status: 'up' }, kafka: { status: 'up' } }, waiting: [] });
    expect(await dependencyUp('database')).toBe('1');
    await request(app.getHttpServer()).get('/health/ready').expect(200);
    expect(runner.stats().deadLettered).toBe(0);
    const transitions = logLines.map((line) => JSON.parse(line) as { msg: string }).filter((line) => line.msg.startsWith('dependency '));
    expect(transitions.map((line) => line.msg)).toEqual(['dependency down: database; the service waits for it', 'dependency back: database']);
  });
});
