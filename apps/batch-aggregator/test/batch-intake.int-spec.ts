import { LaneRequestV1, validateMessage } from '@sluice/contracts';
import { ConsumerRunner, KafkaDriver, KafkaProducer } from '@sluice/kafka';
import { committedOffsets, createRandomTopic, deleteTopics, fastSession, produceFixtures, testKafka, topicEndOffsets } from '@sluice/kafka/testing';
import { BatchesRepository, BatchRecord, BatchWindowsRepository, RequestsRepository } from '@sluice/ledger';
import { createTestDatabase, TestDatabase } from '@sluice/ledger/testing/test-database';
import { createProviderAdapters, ProviderAdapters } from '@sluice/providers';
import { randomGroupId, randomTenant, waitFor } from '@sluice/testing';
import OpenAI from 'openai';
import pino from 'pino';
import { EmulatorHandle, startEmulator } from '../../../libs/providers/test/emulator.harness';
import { AggregatorPublisher } from '../src/events/aggregator.publisher';
import { BatchIntake } from '../src/lane/batch.intake';
import type { AggregatorMetrics } from '../src/metrics/aggregator.metrics';
import { newBatchId } from '../src/results/batch.resolver';
import { BatchSubmitter } from '../src/submit/batch.submitter';
import type { WindowLimits } from '../src/windows/batch-window';
import { WindowFlusher } from '../src/windows/window.flusher';

const API_KEY = 'sk-intake-test';
const DAY_MS = 24 * 60 * 60 * 1000;
const WAIT = { timeoutMs: 180_000, intervalMs: 200 };
const logger = pino({ level: process.env.AGG_LOG ?? 'silent' });
const retry = { baseDelayMs: 100, maxDelayMs: 1_000 };
const sleep = (ms: number, signal?: AbortSignal): Promise<boolean> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve(false);
    const timer = setTimeout(() => resolve(true), ms);
    signal?.addEventListener('abort', () => (clearTimeout(timer), resolve(false)), { once: true });
  });
const metrics = {
  waiting: () => undefined,
  windowClosed: () => undefined,
  submitTook: () => undefined,
  submitted: () => undefined,
} as unknown as AggregatorMetrics;

function laneMessage(tenant: string, i: number, inMs = DAY_MS): { key: string; value: unknown } {
  const id = `req-${i}`;
  const at = new Date();
  const deadline = new Date(at.getTime() + inMs).toISOString();
  return {
    key: id,
    value: {
      request: {
        id,
        tenant,
        provider: 'openai',
        operation: 'embedding',
        body: { model: 'text-embedding-3-small', input: `passage ${i}`, dimensions: 8 },
        mode: 'batch',
        stream: false,
        cache: false,
      },
      receivedAt: at.toISOString(),
      deadline,
      source: 'kafka',
      routing: { lane: 'batch', reason: 'slack-allows-batch', estimatedCostUsd: 0, realtimeCostUsd: 0, routedAt: at.toISOString(), deadline, attempt: 1 },
    },
  };
}

/**
 * The aggregator's intake on the real broker, ledger and emulator: lane messages go to the ledger as
 * they are read and their offsets are committed then, closed windows become batches inside the
 * database, the provider input is streamed from there to the emulator, and a restarted aggregator
 * adopts the open windows from the ledger.
 */
describe('batch intake → windows → submission (real broker, ledger and emulator)', () => {
  let kafka: KafkaDriver;
  let db: TestDatabase;
  let emulator: EmulatorHandle;
  let producer: KafkaProducer;
  let adapters: ProviderAdapters;
  let batches: BatchesRepository;
  const topics: string[] = [];

  beforeAll(async () => {
    kafka = testKafka();
    db = await createTestDatabase();
    emulator = await startEmulator();
    producer = new KafkaProducer(kafka);
    await producer.connect();
    adapters = createProviderAdapters({ openai: { baseURL: `${emulator.baseUrl}/v1`, apiKey: API_KEY } });
    batches = new BatchesRepository(db.pool);
  });

  afterAll(async () => {
    await producer.disconnect();
    await deleteTopics(kafka, topics);
    await emulator.close();
    await db.drop();
  });

  /** One aggregator's lane path, as its module wires it, on topics of this test. */
  async function aggregator(laneTopic: string, eventsTopic: string, groupId: string, limits: Partial<WindowLimits>) {
    const publisher = new AggregatorPublisher(producer, { events: eventsTopic, results: eventsTopic, realtimeLane: eventsTopic });
    const requests = new RequestsRepository(db.pool);
    const adopted: BatchRecord[] = [];
    const submitter = new BatchSubmitter({ adapters, batches, requests, publisher, metrics, sleep, clock: () => new Date(), logger, retry });
    const flusher = new WindowFlusher({
      batches,
      windows: new BatchWindowsRepository(db.pool),
      requests,
      publisher,
      submitter,
      tracker: { adopt: (batch) => void adopted.push(batch) },
      metrics,
      sleep,
      clock: () => new Date(),
      logger,
      retry,
    });
    const escalated: LaneRequestV1[] = [];
    const intake = new BatchIntake(
      {
        adapters,
        windows: new BatchWindowsRepository(db.pool),
        flusher,
        escalator: { fromWindow: async (laneRequests) => void escalated.push(...laneRequests) },
        metrics,
        clock: () => new Date(),
        logger,
      },
      {
        limitsFor: () => ({ maxRequests: 50_000, maxBytes: 200_000_000, maxInputs: 50_000, maxAgeMs: 60_000, completionEstimateMs: 60_000, ...limits }),
        escalationLeadMs: 1_000,
        newWindowId: (nowMs) => newBatchId(new Date(nowMs)),
        maxWaiting: 100_000,
      },
    );
    const runner = new ConsumerRunner<LaneRequestV1>({
      kafka,
      session: fastSession,
      groupId,
      topics: [laneTopic],
      validate: (plain) => validateMessage(LaneRequestV1, plain),
      handleBatch: (messages) => intake.take(messages.map(({ value }) => value)),
      maxBatchSize: 500,
      backpressure: { highWaterMark: 20_000, lowWaterMark: 10_000 },
      deadLetter: { topic: eventsTopic },
      onFatal: (error) => {
        throw error;
      },
    });
    const adoptedRequests = await intake.adopt();
    await runner.start();
    return {
      intake,
      adoptedRequests,
      adopted,
      escalated,
      stop: async () => {
        runner.pause();
        await intake.stop();
        await runner.stop();
      },
    };
  }

  async function lanePair(): Promise<{ lane: string; events: string }> {
    const lane = await createRandomTopic(kafka, { prefix: 'agg-lane', partitions: 3 });
    const events = await createRandomTopic(kafka, { prefix: 'agg-events' });
    topics.push(lane, events);
    return { lane, events };
  }

  /** Requests waiting in windows: items of batches still `open`. */
  const waitingInWindows = async (tenant: string): Promise<number> =>
    Number(
      (
        await db.pool.query<{ n: string }>(
          `select count(*) as n from batch_items i join batches b on b.id = i.batch_id where i.tenant = $1 and b.status = 'open'`,
          [tenant],
        )
      ).rows[0]!.n,
    );

  async function batchesOf(
    tenant: string,
  ): Promise<Array<{ id: string; requests: number; items: number; providerBatchId: string | null; inputFileId: string | null }>> {
    const { rows } = await db.pool.query<{ id: string; requests: number; items: string; provider_batch_id: string | null; input_file_id: string | null }>(
      `select b.id, b.request_count as requests, count(i.*) as items, b.provider_batch_id, b.input_file_id
         from batches b join batch_items i on i.batch_id = b.id where i.tenant = $1 and b.status <> 'open' group by b.id order by b.created_at`,
      [tenant],
    );
    return rows.map((r) => ({ id: r.id, requests: r.requests, items: Number(r.items), providerBatchId: r.provider_batch_id, inputFileId: r.input_file_id }));
  }

  async function allCommitted(groupId: string, topic: string): Promise<boolean> {
    const [committed, ends] = await Promise.all([committedOffsets(kafka, groupId, topic), topicEndOffsets(kafka, topic)]);
    return [...ends].every(([partition, end]) => end === 0 || committed.get(partition) === end);
  }

  it('writes the windows to the ledger, closes them at the request limit and streams each batch input to the provider', async () => {
    const { lane, events } = await lanePair();
    const tenant = randomTenant();
    const groupId = randomGroupId('agg');
    await produceFixtures(
      kafka,
      lane,
      Array.from({ length: 5_000 }, (_, i) => laneMessage(tenant, i)),
    );
    const running = await aggregator(lane, events, groupId, { maxRequests: 2_000, maxAgeMs: 30_000 });
    try {
      await waitFor(async () => (await batchesOf(tenant)).filter((b) => b.providerBatchId !== null).length === 3 && (await allCommitted(groupId, lane)), {
        ...WAIT,
        description: 'three submitted batches and every offset committed',
      });
      const made = await batchesOf(tenant);
      expect(made.map((b) => b.requests).sort()).toEqual([1_000, 2_000, 2_000]);
      expect(made.every((b) => b.items === b.requests)).toBe(true);
      expect(await waitingInWindows(tenant)).toBe(0);
      const { rows } = await db.pool.query<{ n: string }>('select count(distinct request_id) as n from batch_items where tenant = $1', [tenant]);
      expect(Number(rows[0]!.n)).toBe(5_000);

      // What the emulator received is the ledger's items, one JSONL line each.
      const openai = new OpenAI({ apiKey: API_KEY, baseURL: `${emulator.baseUrl}/v1`, maxRetries: 0 });
      const largest = made.find((b) => b.requests === 2_000)!;
      const lines = (await (await openai.files.content(largest.inputFileId!)).text()).trim().split('\n');
      expect(lines).toHaveLength(2_000);
      const customIds = new Set(lines.map((line) => (JSON.parse(line) as { custom_id: string }).custom_id));
      const items = await batches.listItems(largest.id, { limit: 5_000 });
      expect(customIds).toEqual(new Set(items.map((item) => item.customId)));
      expect(JSON.parse(lines[0]!)).toMatchObject({ method: 'POST', url: '/v1/embeddings', body: { model: 'text-embedding-3-small', dimensions: 8 } });
      expect(running.adopted).toHaveLength(3);
    } finally {
      await running.stop();
    }
  });

  it('commits offsets once the window items are written, and adopts the open window from the ledger after a restart, losing and doubling nothing', async () => {
    const { lane, events } = await lanePair();
    const tenant = randomTenant();
    const groupId = randomGroupId('agg');
    await produceFixtures(
      kafka,
      lane,
      Array.from({ length: 1_500 }, (_, i) => laneMessage(tenant, i)),
    );
    const first = await aggregator(lane, events, groupId, { maxRequests: 2_000, maxAgeMs: 600_000 });
    try {
      // The window is still open and nothing is submitted, yet every offset is committed: the ledger has the requests.
      await waitFor(async () => (await waitingInWindows(tenant)) === 1_500 && (await allCommitted(groupId, lane)), {
        ...WAIT,
        description: 'every request waiting in the ledger and every offset committed',
      });
      expect(first.intake.waiting).toBe(1_500);
      expect(await batchesOf(tenant)).toEqual([]);
    } finally {
      // Stopping leaves the open window in the ledger.
      await first.stop();
    }
    expect(await batchesOf(tenant)).toEqual([]);
    const { rows: windowRows } = await db.pool.query<{ window_id: string; n: string }>(
      `select i.batch_id as window_id, count(*) as n from batch_items i join batches b on b.id = i.batch_id
        where i.tenant = $1 and b.status = 'open' group by i.batch_id`,
      [tenant],
    );
    expect(windowRows).toEqual([{ window_id: expect.any(String), n: '1500' }]);
    const windowId = windowRows[0]!.window_id;
    const customIdsBefore = await customIdsOf(tenant);

    // Read after the restart: they join the adopted window, whose request limit they reach.
    await produceFixtures(
      kafka,
      lane,
      Array.from({ length: 100 }, (_, i) => laneMessage(tenant, 1_500 + i)),
    );
    const second = await aggregator(lane, events, groupId, { maxRequests: 1_600, maxAgeMs: 600_000 });
    try {
      expect(second.adoptedRequests).toBe(1_500);
      await waitFor(async () => (await batchesOf(tenant)).some((b) => b.providerBatchId !== null) && (await allCommitted(groupId, lane)), {
        ...WAIT,
        description: 'the adopted window submitted by the second aggregator and every offset committed',
      });
      expect(await batchesOf(tenant)).toEqual([expect.objectContaining({ id: windowId, requests: 1_600, items: 1_600 })]);
      const { rows } = await db.pool.query<{ n: string }>('select count(distinct request_id) as n from batch_items where tenant = $1', [tenant]);
      expect(Number(rows[0]!.n)).toBe(1_600);
      const customIdsAfter = await customIdsOf(tenant);
      for (const [requestId, customId] of customIdsBefore) expect(customIdsAfter.get(requestId)).toBe(customId);
      expect(await waitingInWindows(tenant)).toBe(0);
      expect(second.intake.waiting).toBe(0);
    } finally {
      await second.stop();
    }
  });

  it('escalates a request whose deadline closes in while it waits, taking it out of the ledger only once escalated', async () => {
    const { lane, events } = await lanePair();
    const tenant = randomTenant();
    const groupId = randomGroupId('agg');
    // No turnaround planned, so the window waits for the deadline and the guard gets there first.
    const running = await aggregator(lane, events, groupId, { maxAgeMs: 600_000, completionEstimateMs: 0 });
    try {
      await produceFixtures(kafka, lane, [laneMessage(tenant, 1, 20_000), laneMessage(tenant, 2)]);
      await waitFor(async () => (await waitingInWindows(tenant)) === 2 && (await allCommitted(groupId, lane)), {
        ...WAIT,
        timeoutMs: 60_000,
        description: 'both requests waiting in the ledger, their offsets committed',
      });
      await waitFor(async () => running.escalated.length === 1, { ...WAIT, timeoutMs: 40_000, description: 'the request near its deadline escalated' });
      expect(running.escalated.map((laneRequest) => laneRequest.request.id)).toEqual(['req-1']);
      const { rows } = await db.pool.query<{ request_id: string }>('select request_id from batch_items where tenant = $1', [tenant]);
      expect(rows.map((r) => r.request_id)).toEqual(['req-2']);
      expect(running.intake.waiting).toBe(1);
    } finally {
      await running.stop();
    }
    await db.pool.query(`delete from batches where id in (select batch_id from batch_items where tenant = $1) and status = 'open'`, [tenant]);
  });

  async function customIdsOf(tenant: string): Promise<Map<string, string>> {
    const { rows } = await db.pool.query<{ request_id: string; custom_id: string }>('select request_id, custom_id from batch_items where tenant = $1', [
      tenant,
    ]);
    return new Map(rows.map((r) => [r.request_id, r.custom_id]));
  }
});
