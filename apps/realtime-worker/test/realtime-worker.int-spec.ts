import { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ErrorCode, InferenceResultV1, StreamChunkV1, validateMessage } from '@sluice/contracts';
import { KafkaDriver, KafkaProducer, withAdmin } from '@sluice/kafka';
import { collectMessages, deleteTopics, MessageCollector, testKafka } from '@sluice/kafka/testing';
import { CompletionsRepository } from '@sluice/ledger';
import { createTestDatabase, TestDatabase } from '@sluice/ledger/testing/test-database';
import { MetricsRegistry, SluiceServiceModule } from '@sluice/observability';
import { randomGroupId, randomTenant, randomTopicName, waitFor } from '@sluice/testing';
import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EmulatorHandle, startEmulator } from '../../../libs/providers/test/emulator.harness';
import { LanesConsumer } from '../src/lanes/lanes.consumer';
import { WORKER_TOPICS, WorkerTopics } from '../src/lanes/worker.topics';
import { ConcurrencyLimiter } from '../src/limiter/concurrency.limiter';
import { RealtimeWorkerConfig } from '../src/realtime-worker.config';
import { RealtimeWorkerModule } from '../src/realtime-worker.module';

const WAIT = { timeoutMs: 60_000 };
// Injected 429s ask for a short wait, so a storm is absorbed in well under a second per retry.
const RETRY_AFTER_MS = 100;
const STORM_MODEL = 'gpt-4.1-mini';
const SLOW_MODEL = 'gpt-4.1';
const HELD_MODEL = 'o4-mini';
const CONCURRENT_MODEL = 'gpt-5';
const QUICK_MODEL = 'claude-haiku-4-5';

interface Worker {
  app: INestApplication;
  /** Closes the application once; later calls wait for the same close. */
  close(): Promise<void>;
}

/** Boots the worker's module in this process, as bootstrapService would, against the given topics and environment. */
async function startWorker(topics: WorkerTopics, env: Record<string, string>): Promise<Worker> {
  const saved = new Map(Object.keys(env).map((name) => [name, process.env[name]]));
  Object.assign(process.env, env);
  let app: INestApplication;
  try {
    const moduleRef = await Test.createTestingModule({
      imports: [{ module: RealtimeWorkerModule, imports: [SluiceServiceModule.forRoot({ name: 'realtime-worker', config: RealtimeWorkerConfig })] }],
    })
      .overrideProvider(WORKER_TOPICS)
      .useValue(topics)
      .compile();
    app = moduleRef.createNestApplication({ logger: false });
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
  // init() starts both lanes' consumers and returns once they have joined their groups.
  await app.init();
  let closing: Promise<void> | undefined;
  return { app, close: () => (closing ??= app.close()) };
}

async function createTopics(kafka: KafkaDriver): Promise<WorkerTopics> {
  const topics: WorkerTopics = {
    lanes: { realtime: randomTopicName('worker-realtime'), async: randomTopicName('worker-async') },
    results: randomTopicName('worker-results'),
    stream: randomTopicName('worker-stream'),
    deadLetter: randomTopicName('worker-dlq'),
  };
  // One admin request for all of them: concurrent creations from separate clients race on metadata.
  await withAdmin(kafka, (admin) => admin.ensureTopics(topicNames(topics).map((name) => ({ name, partitions: 3 }))));
  createdTopics.push(...topicNames(topics));
  return topics;
}

function topicNames(topics: WorkerTopics): string[] {
  return [topics.lanes.realtime, topics.lanes.async, topics.results, topics.stream, topics.deadLetter];
}

interface LaneMessageOptions {
  tenant: string;
  lane?: 'realtime' | 'async';
  provider?: 'openai' | 'anthropic';
  body?: Record<string, unknown>;
  stream?: boolean;
  deadlineMs?: number;
}

function laneMessage({ tenant, lane = 'realtime', provider = 'openai', body, stream = false, deadlineMs = 60_000 }: LaneMessageOptions) {
  const id = `req-${randomUUID()}`;
  const now = new Date();
  const deadline = new Date(now.getTime() + deadlineMs).toISOString();
  const value = {
    request: {
      id,
      tenant,
      provider,
      operation: 'chat',
      body: body ?? { model: 'gpt-4o-mini', messages: [{ role: 'user', content: `Say hello to ${id}` }] },
      mode: lane,
      stream,
      cache: true,
      metadata: { suite: 'realtime-worker' },
    },
    receivedAt: now.toISOString(),
    deadline,
    source: 'kafka',
    routing: { lane, reason: `mode=${lane}`, estimatedCostUsd: 0, realtimeCostUsd: 0, routedAt: now.toISOString(), deadline, attempt: 1 },
  };
  return { id, value };
}

/** The emulator's own record of every call it billed to the key: its request id (the x-request-id/request-id it answered with) and cost. */
async function billingRecords(apiKey: string, model: string): Promise<Array<{ requestId: string; costUsd: number }>> {
  const response = await fetch(`${emulator.baseUrl}/_emulator/billing/records?apiKey=${encodeURIComponent(apiKey)}`);
  const text = await response.text();
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as { requestId: string; costUsd: number; model: string })
    .filter((record) => record.model === model)
    .map(({ requestId, costUsd }) => ({ requestId, costUsd }));
}

async function billedCalls(apiKey: string, model: string): Promise<number> {
  const billing = (await emulator.admin('GET', `billing?apiKey=${encodeURIComponent(apiKey)}`)) as {
    byModel: Array<{ model: string; requests: number }>;
  };
  return billing.byModel.filter((line) => line.model === model).reduce((total, line) => total + line.requests, 0);
}

function decode<T>(collector: MessageCollector, predicate: (value: T) => boolean): T[] {
  return collector.messages.map((message) => JSON.parse(message.value!.toString('utf8')) as T).filter(predicate);
}

function resultsOf(collector: MessageCollector, tenant: string): InferenceResultV1[] {
  return decode<InferenceResultV1>(collector, (result) => result.tenant === tenant);
}

function chunksOf(collector: MessageCollector, requestId: string): StreamChunkV1[] {
  return decode<StreamChunkV1>(collector, (chunk) => chunk.requestId === requestId);
}

function chatText(result: InferenceResultV1): string {
  return (result.response as { choices: Array<{ message: { content: string } }> }).choices[0]!.message.content;
}

let kafka: KafkaDriver;
let emulator: EmulatorHandle;
// The ledger the workers read booked results from: this suite's own, so no other run's rows.
let db: TestDatabase;
let producer: KafkaProducer;
// Deleted only once the producer is gone: kafkajs refreshes the metadata of every topic a producer
// has written to, and a deleted one fails its later sends.
const createdTopics: string[] = [];

beforeAll(async () => {
  kafka = testKafka();
  db = await createTestDatabase();
  emulator = await startEmulator();
  await emulator.admin('PUT', `profiles/${STORM_MODEL}`, { faults: { retryAfterMs: RETRY_AFTER_MS } });
  await emulator.admin('PUT', `profiles/${SLOW_MODEL}`, { latency: { ttftMs: 400 } });
  producer = new KafkaProducer(kafka);
  await producer.connect();
});

afterAll(async () => {
  await producer?.disconnect();
  await emulator?.close();
  await db?.drop();
  if (createdTopics.length > 0) await deleteTopics(kafka, createdTopics);
});

function workerEnv(apiKey: string, groupId: string, extra: Record<string, string> = {}, baseUrl = emulator.baseUrl): Record<string, string> {
  return {
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    KAFKA_GROUP_ID: groupId,
    DATABASE_URL: db.url,
    OPENAI_BASE_URL: `${baseUrl}/v1`,
    ANTHROPIC_BASE_URL: baseUrl,
    OPENAI_API_KEY: apiKey,
    ANTHROPIC_API_KEY: apiKey,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...extra,
  };
}

describe('realtime worker against the broker and the provider emulator', () => {
  const apiKey = `sk-worker-${randomUUID()}`;
  let topics: WorkerTopics;
  let worker: Worker;
  let results: MessageCollector;
  let chunks: MessageCollector;

  beforeAll(async () => {
    topics = await createTopics(kafka);
    // Each of the storm's requests can be refused at most STORM_FAULTS times in all, so more
    // attempts than that guarantee that every one of them gets through.
    worker = await startWorker(topics, workerEnv(apiKey, randomGroupId('worker'), { WORKER_MAX_ATTEMPTS: '15' }));
    results = await collectMessages(kafka, topics.results);
    chunks = await collectMessages(kafka, topics.stream);
  });

  afterAll(async () => {
    await worker?.close();
    await results?.stop();
    await chunks?.stop();
  });

  it('answers a realtime lane message with one succeeded result carrying usage and cost', async () => {
    const tenant = randomTenant('rt');
    const { id, value } = laneMessage({ tenant });
    await producer.send(topics.lanes.realtime, [{ key: id, value, correlationId: 'corr-rt-1' }]);

    const [result] = await waitFor(() => (resultsOf(results, tenant).length > 0 ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'the realtime result',
    });
    expect(validateMessage(InferenceResultV1, result)).toMatchObject({ ok: true });
    expect(result).toMatchObject({
      id,
      resultId: `${tenant}.${id}.realtime.1`,
      status: 'succeeded',
      lane: 'realtime',
      provider: 'openai',
      model: 'gpt-4o-mini',
      deadlineMet: true,
      metadata: { suite: 'realtime-worker' },
    });
    expect(result!.usage.inputTokens).toBeGreaterThan(0);
    expect(result!.usage.outputTokens).toBeGreaterThan(0);
    expect(result!.cost.usd).toBeGreaterThan(0);
    expect(result!.cost).toMatchObject({ realtimeUsd: result!.cost.usd, savedUsd: 0 });
    expect(chatText(result!).length).toBeGreaterThan(0);

    const message = results.messages.find((record) => record.key?.toString() === id)!;
    expect(message.headers).toMatchObject({ 'x-request-id': id, 'x-correlation-id': 'corr-rt-1' });
  });

  it('answers an Anthropic request on the realtime lane', async () => {
    const tenant = randomTenant('anth');
    const { id, value } = laneMessage({
      tenant,
      provider: 'anthropic',
      body: { model: 'claude-haiku-4-5', max_tokens: 64, temperature: 0.2, messages: [{ role: 'user', content: 'Hello there' }] },
    });
    await producer.send(topics.lanes.realtime, [{ key: id, value }]);
    const [result] = await waitFor(() => (resultsOf(results, tenant).length > 0 ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'the anthropic result',
    });
    expect(result).toMatchObject({ status: 'succeeded', provider: 'anthropic', model: 'claude-haiku-4-5', response: { type: 'message' } });
    expect(result!.cost.usd).toBeGreaterThan(0);
  });

  it('streams a chat completion as ordered chunks that reassemble to the final text', async () => {
    const tenant = randomTenant('stream');
    const { id, value } = laneMessage({
      tenant,
      stream: true,
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'Tell me a story [emulator:output_tokens=120]' }] },
    });
    await producer.send(topics.lanes.realtime, [{ key: id, value }]);

    const [result] = await waitFor(() => (resultsOf(results, tenant).length > 0 ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'the streamed result',
    });
    const streamed = await waitFor(
      () => {
        const found = chunksOf(chunks, id);
        return found.some((chunk) => chunk.final) ? found : undefined;
      },
      { ...WAIT, description: 'the final stream chunk' },
    );

    expect(result).toMatchObject({ status: 'succeeded', usage: { outputTokens: 120 } });
    expect(streamed.map((chunk) => chunk.seq)).toEqual(streamed.map((_chunk, index) => index));
    expect(streamed.filter((chunk) => chunk.final)).toEqual([streamed[streamed.length - 1]]);
    expect(streamed[streamed.length - 1]).toMatchObject({ tenant, finishReason: 'stop' });
    expect(streamed.map((chunk) => chunk.delta).join('')).toBe(chatText(result!));
    for (const chunk of streamed) expect(validateMessage(StreamChunkV1, chunk)).toMatchObject({ ok: true });
    // Every chunk of the request is keyed by its id, so all of them sit on one partition, in order.
    const partitions = new Set(chunks.messages.filter((record) => record.key?.toString() === id).map((record) => record.partition));
    expect(partitions.size).toBe(1);
  });

  it('absorbs a storm of 429s: every request gets a succeeded result', async () => {
    const tenant = randomTenant('storm');
    const STORM_FAULTS = 12;
    await emulator.admin('POST', `faults/${STORM_MODEL}`, { kind: '429', count: STORM_FAULTS });
    const messages = Array.from({ length: 6 }, () =>
      laneMessage({ tenant, body: { model: STORM_MODEL, messages: [{ role: 'user', content: `storm ${randomUUID()}` }] } }),
    );
    await producer.send(
      topics.lanes.realtime,
      messages.map(({ id, value }) => ({ key: id, value })),
    );

    const stormResults = await waitFor(() => (resultsOf(results, tenant).length === messages.length ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'a result for every request of the storm',
    });
    expect(stormResults.map((result) => result.status)).toEqual(messages.map(() => 'succeeded'));
    expect(new Set(stormResults.map((result) => result.id))).toEqual(new Set(messages.map(({ id }) => id)));
    const faults = (await emulator.admin('GET', 'faults')) as { injected: Record<string, Record<string, number>> };
    expect(faults.injected[STORM_MODEL]?.['429']).toBe(STORM_FAULTS);
    const metrics = await worker.app.get(MetricsRegistry).metrics();
    expect(metrics).toContain(
      `sluice_provider_retries_total{provider="openai",model="${STORM_MODEL}",lane="realtime",kind="rate_limited",service="realtime-worker"} ${STORM_FAULTS}`,
    );
  });

  it('calls a flex model on the async lane at the flex tier, billed at flex by the provider', async () => {
    const tenant = randomTenant('flex');
    const { id, value } = laneMessage({
      tenant,
      lane: 'async',
      deadlineMs: 10 * 60_000,
      body: { model: 'gpt-5-mini', messages: [{ role: 'user', content: 'Summarise this document' }] },
    });
    await producer.send(topics.lanes.async, [{ key: id, value }]);

    const [result] = await waitFor(() => (resultsOf(results, tenant).length > 0 ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'the async result',
    });
    expect(result).toMatchObject({ status: 'succeeded', lane: 'async', resultId: `${tenant}.${id}.async.1`, response: { service_tier: 'flex' } });
    expect(result!.cost.usd).toBeCloseTo(result!.cost.realtimeUsd / 2, 12);
    expect(result!.cost.savedUsd).toBeGreaterThan(0);

    const billing = (await emulator.admin('GET', `billing?apiKey=${encodeURIComponent(apiKey)}`)) as {
      byModel: Array<{ model: string; tier: string; kind: string; requests: number; costUsd: number }>;
    };
    const lines = billing.byModel.filter((line) => line.model.startsWith('gpt-5-mini'));
    expect(lines).toEqual([expect.objectContaining({ tier: 'flex', kind: 'call', requests: 1 })]);
    expect(lines[0]!.costUsd).toBeCloseTo(result!.cost.usd, 12);
  });

  it('fails a request for a model the provider does not serve, at once, with its code and request id', async () => {
    const tenant = randomTenant('unknown');
    const { id, value } = laneMessage({ tenant, body: { model: 'gpt-nope', messages: [{ role: 'user', content: 'hi' }] } });
    await producer.send(topics.lanes.realtime, [{ key: id, value }]);

    const [result] = await waitFor(() => (resultsOf(results, tenant).length > 0 ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'the failed result',
    });
    expect(validateMessage(InferenceResultV1, result)).toMatchObject({ ok: true });
    expect(result).toMatchObject({
      id,
      status: 'failed',
      model: 'gpt-nope',
      error: { code: ErrorCode.MODEL_UNKNOWN, retryable: false, providerCode: 'model_not_found' },
      usage: { inputTokens: 0, outputTokens: 0 },
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    });
    expect(result!.error!.providerRequestId).toEqual(expect.any(String));
    expect(result).not.toHaveProperty('response');
  });

  it('answers an embedding too large for the broker with a failed result PAYLOAD_TOO_LARGE carrying its cost, and goes on with the partition', async () => {
    const tenant = randomTenant('oversize');
    // 40 vectors of 3072 dimensions: some 2.5 MB of JSON, over the broker's 1 MiB record limit.
    const large = laneMessage({
      tenant,
      body: { model: 'text-embedding-3-large', input: Array.from({ length: 40 }, (_, i) => `passage ${i} of a long document`) },
    });
    (large.value.request as { operation: string }).operation = 'embedding';
    const behind = laneMessage({ tenant });
    await producer.send(topics.lanes.realtime, [
      { key: large.id, value: large.value, partition: 0 },
      { key: behind.id, value: behind.value, partition: 0 },
    ]);

    const answered = await waitFor(() => (resultsOf(results, tenant).length === 2 ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'a result for the oversize embedding and for the request behind it',
    });
    const oversize = answered.find((result) => result.id === large.id)!;
    expect(validateMessage(InferenceResultV1, oversize)).toMatchObject({ ok: true });
    expect(oversize).toMatchObject({ status: 'failed', error: { code: ErrorCode.PAYLOAD_TOO_LARGE, retryable: false } });
    expect(oversize.response).toBeUndefined();
    // The provider billed the call: its cost is on the result, so the ledger books it.
    expect(oversize.cost.usd).toBeGreaterThan(0);
    expect(oversize.providerRequestId).toEqual(expect.any(String));
    expect(answered.find((result) => result.id === behind.id)).toMatchObject({ status: 'succeeded' });
    expect(worker.app.get(LanesConsumer).stats().realtime).toMatchObject({ deadLettered: 0 });
  });

  it('handles the messages of one partition concurrently, not one after another', async () => {
    const tenant = randomTenant('conc');
    const messages = Array.from({ length: 16 }, () =>
      laneMessage({ tenant, body: { model: SLOW_MODEL, messages: [{ role: 'user', content: `slow ${randomUUID()}` }] } }),
    );
    // No earlier test had this many messages in flight at once, so the peak below is this test's.
    expect(worker.app.get(LanesConsumer).stats().realtime!.maxInFlight).toBeLessThan(messages.length);
    // One produce request to one partition: the consumer fetches them together.
    await producer.send(
      topics.lanes.realtime,
      messages.map(({ id, value }) => ({ key: id, value, partition: 0 })),
    );

    await waitFor(() => resultsOf(results, tenant).length === messages.length, { ...WAIT, description: 'all sixteen results' });
    expect(resultsOf(results, tenant).every((result) => result.status === 'succeeded')).toBe(true);
    // At least: a retry of an earlier test's message may still have been in flight beside them.
    expect(worker.app.get(LanesConsumer).stats().realtime!.maxInFlight).toBeGreaterThanOrEqual(messages.length);
  });
});

describe('realtime worker shutdown', () => {
  let apiKey: string;
  let topics: WorkerTopics;
  let results: MessageCollector;
  const started: Worker[] = [];

  async function start(groupId: string, env: Record<string, string> = {}): Promise<Worker> {
    const worker = await startWorker(topics, workerEnv(apiKey, groupId, env));
    started.push(worker);
    return worker;
  }

  // Fresh topics per test: a new consumer group reads its lane from the beginning, and must not
  // find the other test's messages there.
  beforeEach(async () => {
    apiKey = `sk-worker-${randomUUID()}`;
    topics = await createTopics(kafka);
    results = await collectMessages(kafka, topics.results);
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((worker) => worker.close()));
    await results?.stop();
  });

  afterAll(async () => {
    await emulator.admin('DELETE', `profiles/${HELD_MODEL}`);
  });

  async function whenCalling(worker: Worker, model: string): Promise<void> {
    await waitFor(() => worker.app.get(ConcurrencyLimiter).usage(`openai:${model}`).inUse.realtime === 1, {
      ...WAIT,
      description: `a ${model} call in flight`,
    });
  }

  it('lets an in-flight call finish and publishes its result before stopping', async () => {
    await emulator.admin('PUT', `profiles/${HELD_MODEL}`, { latency: { ttftMs: 1_500 } });
    const worker = await start(randomGroupId('worker-drain'), { SHUTDOWN_TIMEOUT_MS: '20000' });
    const tenant = randomTenant('drain');
    const { id, value } = laneMessage({ tenant, body: { model: HELD_MODEL, messages: [{ role: 'user', content: 'finish me' }] } });
    await producer.send(topics.lanes.realtime, [{ key: id, value }]);
    await whenCalling(worker, HELD_MODEL);

    await worker.close();
    const [result] = await waitFor(() => (resultsOf(results, tenant).length > 0 ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'the drained result',
    });
    expect(result).toMatchObject({ id, status: 'succeeded' });
  });

  it('aborts a call still running at the shutdown deadline without publishing or committing it, so a new worker answers it under the same result id', async () => {
    // Far longer than the worker's 500 ms drain below, and short enough that the emulator's own
    // wait (it does not notice the client leaving) is over before the suite ends.
    await emulator.admin('PUT', `profiles/${HELD_MODEL}`, { latency: { ttftMs: 4_000 } });
    const groupId = randomGroupId('worker-abort');
    const first = await start(groupId, { SHUTDOWN_TIMEOUT_MS: '1000' });
    const tenant = randomTenant('abort');
    const { id, value } = laneMessage({ tenant, deadlineMs: 120_000, body: { model: HELD_MODEL, messages: [{ role: 'user', content: 'too slow' }] } });
    await producer.send(topics.lanes.realtime, [{ key: id, value }]);
    await whenCalling(first, HELD_MODEL);

    await first.close();
    expect(await first.app.get(MetricsRegistry).metrics()).not.toMatch(/^sluice_worker_results_total\{/m);
    await emulator.admin('PUT', `profiles/${HELD_MODEL}`, { latency: { ttftMs: 0 } });
    const second = await start(groupId);
    const [result] = await waitFor(() => (resultsOf(results, tenant).length > 0 ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'the redelivered request answered by the second worker',
    });
    expect(result).toMatchObject({ id, status: 'succeeded', resultId: `${tenant}.${id}.realtime.1` });
    expect(resultsOf(results, tenant)).toHaveLength(1);
    expect(await second.app.get(MetricsRegistry).metrics()).toMatch(
      /^sluice_worker_results_total\{lane="realtime",status="succeeded",code="none",service="realtime-worker"\} 1$/m,
    );
    // The provider does not know the first worker gave up: that call runs to its end and is billed,
    // so a redelivered request costs a second call.
    await waitFor(async () => (await billedCalls(apiKey, HELD_MODEL)) === 2, { ...WAIT, description: 'both calls billed by the provider' });

    // Both calls were written ahead; booking the result (as the notifier does) answers the second,
    // and the first, cut off, is booked by the sweep once it expired (moved into the past here).
    const completions = new CompletionsRepository(db.pool);
    await completions.bookMany([result!]);
    const calls = await db.pool.query<{ call_id: string; answered: boolean }>(
      'select call_id, answered_at is not null as answered from provider_calls where tenant = $1 and request_id = $2',
      [tenant, id],
    );
    expect(calls.rows).toHaveLength(2);
    expect(calls.rows.filter((row) => row.answered).map((row) => row.call_id)).toEqual([result!.callId]);
    await db.pool.query("update provider_calls set expires_at = now() - interval '1 hour' where tenant = $1 and request_id = $2", [tenant, id]);
    while ((await completions.sweepUnansweredCalls(0, 1_000)).calls > 0);
    const booked = await db.pool.query<{ calls: string; usd: string }>(
      `select count(*) as calls, sum(cost_usd) as usd
         from (select cost_usd from request_results where tenant = $1 union all select cost_usd from extra_spend where tenant = $1) spend`,
      [tenant],
    );
    const billing = (await emulator.admin('GET', `billing?apiKey=${encodeURIComponent(apiKey)}`)) as { totals: { requests: number; costUsd: number } };
    expect(Number(booked.rows[0]!.calls)).toBe(billing.totals.requests);
    expect(Number(booked.rows[0]!.usd)).toBeCloseTo(billing.totals.costUsd, 12);
  });
});

/** An HTTP hop in front of the emulator that counts the provider calls open at once, as the emulator sees them. */
interface CountingProxy {
  baseUrl: string;
  open(): number;
  peak(): number;
  resetPeak(): void;
  close(): Promise<void>;
}

async function startCountingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  let open = 0;
  let peak = 0;
  const server: Server = createServer((incoming, reply) => {
    open += 1;
    peak = Math.max(peak, open);
    let counted = true;
    reply.on('close', () => {
      if (!counted) return;
      counted = false;
      open -= 1;
    });
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: incoming.method, path: incoming.url, headers: incoming.headers },
      (answer) => {
        reply.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(reply);
      },
    );
    forward.on('error', () => reply.destroy());
    // The worker aborted the call: the emulator's side goes as well.
    reply.on('close', () => forward.destroy());
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    open: () => open,
    peak: () => peak,
    resetPeak: () => {
      peak = open;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

async function committedOffsets(groupId: string, topic: string): Promise<Map<number, bigint>> {
  const offsets = await withAdmin(kafka, (admin) => admin.committedOffsets(groupId, topic));
  return new Map(offsets.map(({ partition, offset }) => [partition, BigInt(offset)]));
}

async function committedToEnd(groupId: string, topic: string): Promise<boolean> {
  const ends = await withAdmin(kafka, (admin) => admin.topicOffsets(topic));
  const committed = await committedOffsets(groupId, topic);
  return ends.every(({ partition, high }) => committed.get(partition) === BigInt(high));
}

describe('realtime worker: calls across partitions, commits behind results, restarts', () => {
  const PARTITIONS = 3;
  let apiKey: string;
  let topics: WorkerTopics;
  let results: MessageCollector;
  let proxy: CountingProxy;
  const started: Worker[] = [];

  async function start(groupId: string, env: Record<string, string> = {}): Promise<Worker> {
    const worker = await startWorker(topics, workerEnv(apiKey, groupId, env, proxy.baseUrl));
    started.push(worker);
    return worker;
  }

  beforeAll(async () => {
    proxy = await startCountingProxy(emulator.baseUrl);
  });

  beforeEach(async () => {
    apiKey = `sk-worker-${randomUUID()}`;
    topics = await createTopics(kafka);
    results = await collectMessages(kafka, topics.results);
    proxy.resetPeak();
  });

  afterEach(async () => {
    await Promise.all(started.splice(0).map((worker) => worker.close()));
    await results?.stop();
    await emulator.admin('DELETE', `profiles/${CONCURRENT_MODEL}`);
  });

  afterAll(async () => {
    await proxy?.close();
  });

  function slowRequests(tenant: string, count: number) {
    return Array.from({ length: count }, () =>
      laneMessage({ tenant, body: { model: CONCURRENT_MODEL, messages: [{ role: 'user', content: `slow ${randomUUID()}` }] } }),
    );
  }

  function spread(messages: ReadonlyArray<{ id: string; value: unknown }>) {
    return messages.map(({ id, value }, index) => ({ key: id, value, partition: index % PARTITIONS }));
  }

  it('calls the provider for the messages of all partitions at once and commits each partition only once its results are out', async () => {
    await emulator.admin('PUT', `profiles/${CONCURRENT_MODEL}`, { latency: { ttftMs: 3_000 } });
    const groupId = randomGroupId('worker-spread');
    const worker = await start(groupId);
    const tenant = randomTenant('spread');
    const messages = slowRequests(tenant, 12);
    await producer.send(topics.lanes.realtime, spread(messages));

    // Four calls per partition open at once, not one per partition.
    await waitFor(() => proxy.open() === messages.length, { ...WAIT, description: 'every call open at the emulator at once' });
    expect(resultsOf(results, tenant)).toEqual([]);
    const whileCalling = await committedOffsets(`${groupId}.realtime`, topics.lanes.realtime);
    for (let partition = 0; partition < PARTITIONS; partition += 1) {
      // Nothing answered yet, so nothing committed (-1: the group has no offset for the partition).
      expect(whileCalling.get(partition) ?? -1n).toBeLessThanOrEqual(0n);
    }

    await waitFor(() => resultsOf(results, tenant).length === messages.length, { ...WAIT, description: 'all twelve results' });
    expect(new Set(resultsOf(results, tenant).map((result) => result.id))).toEqual(new Set(messages.map(({ id }) => id)));
    await waitFor(() => committedToEnd(`${groupId}.realtime`, topics.lanes.realtime), { ...WAIT, description: 'every partition committed to its end' });
    expect(proxy.peak()).toBe(messages.length);
    expect(worker.app.get(LanesConsumer).stats().realtime).toMatchObject({ maxCalls: messages.length, calls: 0, deadLettered: 0 });
  });

  it('answers messages fetched behind running calls, and after a restart mid-flight the cut-off ones; every request ends with one result id', async () => {
    await emulator.admin('PUT', `profiles/${CONCURRENT_MODEL}`, { latency: { ttftMs: 4_000 } });
    const groupId = randomGroupId('worker-restart');
    const first = await start(groupId, { SHUTDOWN_TIMEOUT_MS: '1000' });
    const tenant = randomTenant('restart');
    const slow = slowRequests(tenant, 6);
    const quick = Array.from({ length: 6 }, () =>
      laneMessage({
        tenant,
        provider: 'anthropic',
        body: { model: QUICK_MODEL, max_tokens: 16, messages: [{ role: 'user', content: `quick ${randomUUID()}` }] },
      }),
    );
    const all = [...slow, ...quick];
    await producer.send(topics.lanes.realtime, spread(slow));
    await waitFor(() => proxy.open() === slow.length, { ...WAIT, description: 'the slow calls open' });
    // Fetched after the slow ones, on the same partitions: answered while those still run.
    await producer.send(topics.lanes.realtime, spread(quick));
    await waitFor(() => resultsOf(results, tenant).length === quick.length, { ...WAIT, description: 'the quick results' });
    expect(proxy.open()).toBe(slow.length);

    await first.close();
    expect(
      resultsOf(results, tenant)
        .map((result) => result.id)
        .sort(),
    ).toEqual(quick.map(({ id }) => id).sort());
    await emulator.admin('PUT', `profiles/${CONCURRENT_MODEL}`, { latency: { ttftMs: 0 } });
    await start(groupId);

    await waitFor(
      () => {
        const answered = new Set(resultsOf(results, tenant).map((result) => result.id));
        return all.every(({ id }) => answered.has(id));
      },
      { ...WAIT, description: 'a result for every request, the cut-off ones redelivered to the second worker' },
    );
    const byRequest = new Map<string, Set<string>>();
    for (const result of resultsOf(results, tenant)) {
      byRequest.set(result.id, (byRequest.get(result.id) ?? new Set()).add(result.resultId));
      expect(result.status).toBe('succeeded');
    }
    // The quick requests sit behind slow ones on their partitions, so their offsets were held back and
    // they are answered again; both answers carry one result id, which the notifier books once.
    expect([...byRequest.values()].map((ids) => ids.size)).toEqual(all.map(() => 1));
    await waitFor(() => committedToEnd(`${groupId}.realtime`, topics.lanes.realtime), {
      ...WAIT,
      description: 'every partition committed to its end by the second worker',
    });
  });
  /**
   * The quick messages of `behindSlow` are answered while slow calls on their partitions run, so
   * their offsets stay uncommitted; the first worker stops (its slow calls cut off) and a second one
   * of the group gets every message again: the real redelivery after a crash between a provider
   * call and its commit.
   */
  async function answeredThenRedelivered(groupId: string, tenant: string, beforeRestart: (quickResults: InferenceResultV1[]) => Promise<void>) {
    await emulator.admin('PUT', `profiles/${CONCURRENT_MODEL}`, { latency: { ttftMs: 4_000 } });
    const first = await start(groupId, { SHUTDOWN_TIMEOUT_MS: '1000' });
    const slow = slowRequests(tenant, PARTITIONS);
    const quick = Array.from({ length: PARTITIONS }, () =>
      laneMessage({
        tenant,
        provider: 'anthropic',
        body: { model: QUICK_MODEL, max_tokens: 16, messages: [{ role: 'user', content: `quick ${randomUUID()}` }] },
      }),
    );
    await producer.send(topics.lanes.realtime, spread(slow));
    await waitFor(() => proxy.open() === slow.length, { ...WAIT, description: 'the slow calls open' });
    await producer.send(topics.lanes.realtime, spread(quick));
    const quickResults = await waitFor(() => (resultsOf(results, tenant).length === quick.length ? resultsOf(results, tenant) : undefined), {
      ...WAIT,
      description: 'the quick results',
    });
    await beforeRestart(quickResults);
    await first.close();
    await emulator.admin('PUT', `profiles/${CONCURRENT_MODEL}`, { latency: { ttftMs: 0 } });
    const second = await start(groupId);
    await waitFor(
      () => {
        const answered = new Set(resultsOf(results, tenant).map((result) => result.id));
        return slow.every(({ id }) => answered.has(id));
      },
      { ...WAIT, description: 'the cut-off slow requests answered by the second worker' },
    );
    await waitFor(() => committedToEnd(`${groupId}.realtime`, topics.lanes.realtime), {
      ...WAIT,
      description: 'every partition committed by the second worker',
    });
    return { second, quick, quickResults };
  }

  it('does not call the provider again for a redelivered message whose result is booked, and republishes a result whose delivery had not finished', async () => {
    const completions = new CompletionsRepository(db.pool);
    const tenant = randomTenant('booked');
    const { second, quick, quickResults } = await answeredThenRedelivered(randomGroupId('worker-booked'), tenant, async (answered) => {
      // What the notifier does: book every result; the first one's delivery also finished.
      await completions.bookMany(answered);
      await completions.markPublishedMany([{ tenant, requestId: answered[0]!.id }]);
      await waitFor(async () => (await billedCalls(apiKey, QUICK_MODEL)) === answered.length, { ...WAIT, description: 'the quick calls billed' });
    });

    const metrics = second.app.get(MetricsRegistry);
    const answered = (action: string) =>
      new RegExp(`^sluice_worker_answered_messages_total\\{lane="realtime",action="${action}",service="realtime-worker"\\} (\\d+)$`, 'm');
    await waitFor(async () => answered('republished').exec(await metrics.metrics())?.[1] === '2', { ...WAIT, description: 'two stored results republished' });
    expect(answered('acknowledged').exec(await metrics.metrics())?.[1]).toBe('1');
    // No second call for any of the booked requests: the provider billed each once.
    expect(await billedCalls(apiKey, QUICK_MODEL)).toBe(quick.length);
    const quickIds = new Set(quick.map(({ id }) => id));
    const copies = resultsOf(results, tenant).filter((result) => quickIds.has(result.id));
    // The unpublished two went out again, the very results that were booked; the published one did not.
    expect(copies).toHaveLength(quick.length + 2);
    for (const result of copies) {
      expect(result).toEqual(JSON.parse(JSON.stringify(quickResults.find((booked) => booked.id === result.id))));
    }
    expect(copies.filter((result) => result.id === quickResults[0]!.id)).toHaveLength(1);
  });

  it('answers a message redelivered before its result was booked with a second call, whose spend the ledger books as extra: billed equals booked', async () => {
    const completions = new CompletionsRepository(db.pool);
    const tenant = randomTenant('extra');
    const { quick } = await answeredThenRedelivered(randomGroupId('worker-extra'), tenant, async () => undefined);
    const quickIds = new Set(quick.map(({ id }) => id));
    const answers = await waitFor(
      () => {
        const found = resultsOf(results, tenant).filter((result) => quickIds.has(result.id));
        return found.length === 2 * quick.length ? found : undefined;
      },
      { ...WAIT, description: 'every quick request answered twice, once by each worker' },
    );
    for (const id of quickIds) {
      const pair = answers.filter((result) => result.id === id);
      expect(new Set(pair.map((result) => result.resultId)).size).toBe(1);
      expect(new Set(pair.map((result) => result.providerRequestId)).size).toBe(2);
    }

    // What the notifier does with them, in the order they came.
    const bookings = await completions.bookMany(answers);
    expect(bookings.filter((booking) => booking.outcome === 'booked')).toHaveLength(quick.length);
    expect(bookings.filter((booking) => booking.extraSpend)).toHaveLength(quick.length);
    const billed = await waitFor(
      async () => {
        const records = await billingRecords(apiKey, QUICK_MODEL);
        return records.length === 2 * quick.length ? records : undefined;
      },
      { ...WAIT, description: 'both calls of every quick request billed' },
    );
    const booked = await db.pool.query<{ provider_request_id: string; cost_usd: string }>(
      `select provider_request_id, cost_usd from request_results where tenant = $1 and model = $2
       union all
       select provider_request_id, cost_usd from extra_spend where tenant = $1 and model = $2`,
      [tenant, QUICK_MODEL],
    );
    // Every call the provider billed is booked once, under its own id, at the price it was billed.
    expect(booked.rows.map((row) => row.provider_request_id).sort()).toEqual(billed.map((record) => record.requestId).sort());
    const bookedUsd = booked.rows.reduce((total, row) => total + Number(row.cost_usd), 0);
    expect(bookedUsd).toBeCloseTo(
      billed.reduce((total, record) => total + record.costUsd, 0),
      12,
    );
    const { rows } = await db.pool.query<{ n: string }>('select count(*) as n from completions where tenant = $1', [tenant]);
    expect(Number(rows[0]!.n)).toBe(quick.length);
  });
});
