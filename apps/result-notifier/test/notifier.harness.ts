import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { loadConfig, SluiceConfig } from '@sluice/config';
import { InferenceResultV1, LifecycleEventV1, resultIdFor, Topics, validateMessage } from '@sluice/contracts';
import { sampleResult } from '@sluice/contracts/testing/message.samples';
import { KafkaProducer, SluiceKafkaTransport } from '@sluice/kafka';
import type { KafkaDriver } from '@sluice/kafka';
import { fastSession, MessageCollector, testKafka, topicEndOffsets } from '@sluice/kafka/testing';
import { createRepositories, LedgerRepositories, NewRequestRecord } from '@sluice/ledger';
import { createTestDatabase, TestDatabase } from '@sluice/ledger/testing/test-database';
import { createRootLogger, MetricsRegistry, ROOT_LOGGER, SluiceServiceModule } from '@sluice/observability';
import { randomGroupId, randomTenant, waitFor } from '@sluice/testing';
import { Writable } from 'node:stream';
import { ResultNotifierConfig } from '../src/result-notifier.config';
import { ResultNotifierModule } from '../src/result-notifier.module';

export const TEST_WEBHOOK_SECRET = `whsec_${Buffer.from('result-notifier-integration-key-0001').toString('base64')}`;

export interface NotifierHarness {
  db: TestDatabase;
  ledger: LedgerRepositories;
  metrics: MetricsRegistry;
  /** Every lifecycle event published since the harness started. */
  events: MessageCollector;
  kafka: KafkaDriver;
  produceResults(results: readonly InferenceResultV1[]): Promise<void>;
  eventsOf(tenant: string, requestId: string): LifecycleEventV1[];
  /** The notifier's log lines, for a failing test to show. */
  logs(): string;
  close(): Promise<void>;
}

export interface NotifierOptions {
  /** Variables on top of the test defaults (tiny webhook delays, a known secret). */
  env?: Record<string, string>;
  /** A database prepared by the test (dropped by close() all the same). */
  database?: TestDatabase;
}

/** A request row as ingestion would have written it. */
export function requestRow(tenant: string, id: string, overrides: Partial<NewRequestRecord> = {}): NewRequestRecord {
  return {
    tenant,
    id,
    bodyHash: 'f'.repeat(64),
    provider: 'openai',
    operation: 'chat',
    model: 'gpt-4o-mini',
    mode: 'auto',
    receivedAt: new Date(),
    deadline: new Date(Date.now() + 3_600_000),
    ...overrides,
  };
}

/** A succeeded result of a request, valid against InferenceResultV1. */
export function resultOf(tenant: string, id: string, overrides: Record<string, unknown> = {}): InferenceResultV1 {
  const now = new Date();
  const outcome = validateMessage(
    InferenceResultV1,
    sampleResult({
      id,
      tenant,
      resultId: resultIdFor(tenant, id, 'realtime'),
      lane: 'realtime',
      cost: { usd: 0.0001, realtimeUsd: 0.0001, savedUsd: 0 },
      timings: { receivedAt: new Date(now.getTime() - 1_000).toISOString(), completedAt: now.toISOString() },
      deadline: new Date(now.getTime() + 3_600_000).toISOString(),
      ...overrides,
    }),
  );
  if (!outcome.ok) throw new Error(`invalid test result: ${JSON.stringify(outcome.errors)}`);
  return outcome.value;
}

/**
 * The result-notifier's Nest module in this process, as bootstrapService wires it, on a fresh
 * database, consuming the real `sluice.results.v1` with a group of its own from the current end.
 * Other tests' results on the shared topic are for requests this database never saw, so the
 * notifier leaves them alone (and tests tell their own apart by a random tenant).
 */
export async function startNotifier(options: NotifierOptions = {}): Promise<NotifierHarness> {
  const db = options.database ?? (await createTestDatabase());
  const lines: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const config = loadConfig(ResultNotifierConfig, {
    ...process.env,
    DATABASE_URL: db.url,
    KAFKA_GROUP_ID: randomGroupId('result-notifier'),
    LOG_LEVEL: 'info',
    NOTIFIER_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
    NOTIFIER_WEBHOOK_BASE_DELAY_MS: '50',
    NOTIFIER_WEBHOOK_MAX_ATTEMPTS: '3',
    NOTIFIER_WEBHOOK_POLL_MS: '50',
    NOTIFIER_WEBHOOK_TIMEOUT_MS: '5000',
    // The receivers of these tests listen on loopback, which webhooks reach only when allowed.
    WEBHOOK_ALLOWED_DESTINATIONS: '127.0.0.1,localhost',
    ...options.env,
  });
  const logger = createRootLogger('result-notifier', config.LOG_LEVEL, sink);
  const moduleRef = await Test.createTestingModule({
    imports: [{ module: ResultNotifierModule, imports: [SluiceServiceModule.forRoot({ name: 'result-notifier', config: ResultNotifierConfig })] }],
  })
    .overrideProvider(ResultNotifierConfig)
    .useValue(config)
    .overrideProvider(SluiceConfig)
    .useValue(config)
    .overrideProvider(ROOT_LOGGER)
    .useValue(logger)
    .compile();
  const app: INestApplication = moduleRef.createNestApplication({ logger: false });
  const fatal: Error[] = [];
  const transport = new SluiceKafkaTransport({
    client: { brokers: config.KAFKA_BROKERS, clientId: config.KAFKA_CLIENT_ID, logger },
    groupId: config.KAFKA_GROUP_ID ?? randomGroupId('result-notifier'),
    contracts: { [Topics.Results]: { validate: (plain) => validateMessage(InferenceResultV1, plain) } },
    consumer: { fromBeginning: false, session: fastSession, shutdownTimeoutMs: 5_000 },
    onFatal: (error) => fatal.push(error),
  });
  app.connectMicroservice({ strategy: transport }, { inheritAppConfig: true });
  await app.init();
  await app.startAllMicroservices();

  const kafka = testKafka();
  const producer = new KafkaProducer(kafka);
  await producer.connect();
  const events = await collectFromNow(kafka, Topics.Events);
  const ledger = createRepositories(db.pool);
  const harness: NotifierHarness = {
    db,
    ledger,
    metrics: app.get(MetricsRegistry),
    events,
    kafka,
    produceResults: async (results) => {
      await producer.send(
        Topics.Results,
        results.map((result) => ({ key: result.id, value: result, requestId: result.id })),
      );
    },
    eventsOf: (tenant, requestId) =>
      events.messages
        .map((message) => JSON.parse(message.value?.toString() ?? 'null') as LifecycleEventV1)
        .filter((event) => event?.tenant === tenant && event.requestId === requestId),
    logs: () => lines.join(''),
    close: async () => {
      await app.close();
      await events.stop();
      await producer.disconnect();
      await db.drop();
      if (fatal.length > 0) throw new Error(`the notifier's consumer failed: ${fatal.map((e) => e.message).join('; ')}`);
    },
  };
  try {
    await prime(harness, producer);
  } catch (error) {
    await harness.close().catch(() => undefined);
    throw new Error(`${(error as Error).message}\n--- notifier log ---\n${lines.join('')}`);
  }
  return harness;
}

/** Reads a topic from its current end: the shared topics hold every earlier test's messages. */
async function collectFromNow(kafka: KafkaDriver, topic: string): Promise<MessageCollector> {
  const messages: MessageCollector['messages'] = [];
  const consumer = kafka.consumer({ groupId: randomGroupId('notifier-events'), ...fastSession });
  await consumer.connect();
  await consumer.subscribe([topic], false);
  await consumer.run({
    partitionsConsumedConcurrently: 1,
    eachBatch: async (batch) => {
      for (const message of batch.messages) {
        messages.push(message);
        batch.resolveOffset(message.offset);
      }
    },
  });
  return { messages, stop: () => consumer.disconnect() };
}

/**
 * A group starting "from the end" takes the end offsets when it first fetches, a moment after it
 * joins: what is produced in between is skipped. Probe results, for requests of a tenant of their
 * own, go to every results partition until the notifier has booked one on each and the event
 * collector has seen their events on every events partition; from then on nothing is missed.
 */
async function prime(harness: NotifierHarness, producer: KafkaProducer): Promise<void> {
  const resultPartitions = [...(await topicEndOffsets(harness.kafka, Topics.Results)).keys()];
  const eventPartitions = (await topicEndOffsets(harness.kafka, Topics.Events)).size;
  const tenant = randomTenant('probe');
  const probes = new Map<string, { partition: number; round: number }>();
  let round = 0;
  await waitFor(
    async () => {
      const { rows } = await harness.db.pool.query<{ request_id: string }>('select request_id from completions where tenant = $1', [tenant]);
      const booked = new Set(rows.map((row) => row.request_id));
      const firstBookedRound = new Map<number, number>();
      for (const id of booked) {
        const { partition, round: probeRound } = probes.get(id)!;
        firstBookedRound.set(partition, Math.min(probeRound, firstBookedRound.get(partition) ?? probeRound));
      }
      const probeEvents = harness.events.messages
        .map((message) => ({
          partition: message.partition,
          event: JSON.parse(message.value?.toString() ?? 'null') as { tenant?: string; requestId?: string } | null,
        }))
        .filter(({ event }) => event?.tenant === tenant);
      const seen = new Set(probeEvents.map(({ partition }) => partition));
      if (firstBookedRound.size === resultPartitions.length && seen.size === eventPartitions) {
        // A partition is read in order, so the probes before its first booked one were skipped (sent
        // before the group's start) and every later one will be booked: wait for those, and for their
        // events, so no probe still in flight moves the counters the first test reads.
        const pending = [...probes].filter(([id, probe]) => probe.round >= firstBookedRound.get(probe.partition)! && !booked.has(id));
        const published = new Set(probeEvents.map(({ event }) => event?.requestId));
        return pending.length === 0 && [...booked].every((id) => published.has(id));
      }
      round += 1;
      for (const partition of resultPartitions) {
        const id = `probe-${round}-${partition}`;
        probes.set(id, { partition, round });
        await harness.ledger.requests.insert(requestRow(tenant, id));
        await producer.send(Topics.Results, [{ key: id, value: resultOf(tenant, id), partition }]);
      }
      return false;
    },
    { timeoutMs: 60_000, intervalMs: 500, description: 'the notifier and the event collector to read every partition' },
  );
}
