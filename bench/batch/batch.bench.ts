import { INTERNAL_SIGNATURE_HEADER, LaneRequestV1, Topics, validateMessage } from '@sluice/contracts';
import { MessageSigner } from '@sluice/kafka';
import { OPENAI_BATCH_LIMITS } from '@sluice/providers';
import { randomGroupId, randomTenant, waitFor } from '@sluice/testing';
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../scripts/stack/stack.config';
import { SluiceHarness, TopicTap } from '../../test/e2e/support';
import { benchEnvironment } from '../bench.environment';
import { BATCH_USAGE, BatchBenchOptions, minimumBatches, parseBatchOptions } from './batch.options';

const RESULTS_FILE = join(__dirname, '..', 'results', 'batch.json');
const MODEL = 'text-embedding-3-small';
const DAY_MS = 24 * 60 * 60 * 1000;

const say = (line: string): void => console.log(`bench batch: ${line}`);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

/** The i-th lane message of the run, as the router would publish it for an embedding that can wait a day. */
function laneMessage(tenant: string, runId: string, i: number, dimensions: number, at: Date): { key: string; value: string } {
  const id = `${runId}-${i}`;
  const deadline = new Date(at.getTime() + DAY_MS).toISOString();
  const message = {
    request: {
      id,
      tenant,
      provider: 'openai',
      operation: 'embedding',
      body: { model: MODEL, input: `passage ${i} of the corpus, about ${i % 977} things`, dimensions },
      mode: 'batch',
      stream: false,
      cache: false,
    },
    receivedAt: at.toISOString(),
    deadline,
    source: 'kafka',
    routing: {
      lane: 'batch',
      reason: 'slack-allows-batch',
      estimatedCostUsd: 0.000000005,
      realtimeCostUsd: 0.00000001,
      routedAt: at.toISOString(),
      deadline,
      attempt: 1,
    },
  };
  return { key: id, value: JSON.stringify(message) };
}

/** Resident memory of a process from /proc: now, and the peak it ever reached (VmHWM). */
function memoryOf(pid: number): { rssBytes: number; peakRssBytes: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0) * 1024;
  return { rssBytes: kb('VmRSS'), peakRssBytes: kb('VmHWM') };
}

async function produceAll(
  h: SluiceHarness,
  topic: string,
  options: BatchBenchOptions,
  make: (i: number) => { key: string; value: string },
): Promise<{ bytes: number; ms: number }> {
  const started = Date.now();
  let bytes = 0;
  // The aggregator takes only lane messages signed with the services' key, as the router signs them; the raw baseline's are signed alike.
  const signer = new MessageSigner(process.env.SLUICE_INTERNAL_SIGNING_KEY || undefined);
  for (let start = 0; start < options.requests; start += options.produceChunk) {
    const messages = [];
    for (let i = start; i < Math.min(options.requests, start + options.produceChunk); i += 1) {
      const message = make(i);
      bytes += message.value.length;
      messages.push({ ...message, headers: { [INTERNAL_SIGNATURE_HEADER]: signer.signatureOf(topic, message.key, message.value) } });
    }
    await h.producer.send({ topic, acks: -1, messages });
  }
  return { bytes, ms: Date.now() - started };
}

/** The baseline: a bare kafkajs consumer reading the same number of lane messages from a topic of its own and committing. */
async function rawConsume(h: SluiceHarness, topic: string, count: number, timeoutMs: number): Promise<number> {
  const consumer = h.kafka.consumer({ groupId: randomGroupId('bench-batch-raw'), maxWaitTimeInMs: 100 });
  await consumer.connect();
  let seen = 0;
  const started = Date.now();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      partitionsConsumedConcurrently: 6,
      eachBatch: async (payload) => {
        const { batch } = payload;
        for (const message of batch.messages) {
          JSON.parse(message.value?.toString('utf8') ?? 'null');
          payload.resolveOffset(message.offset);
          seen += 1;
        }
        await payload.commitOffsetsIfNecessary();
      },
    });
    await waitFor(() => seen >= count, { timeoutMs, intervalMs: 100, description: `the raw consumer to read ${count} messages` });
    return Date.now() - started;
  } finally {
    await consumer.disconnect();
  }
}

async function itemsSubmitted(h: SluiceHarness, tenant: string): Promise<{ recorded: number; submitted: number }> {
  const { rows } = await h.ledger.pool.query<{ recorded: string; submitted: string }>(
    `select count(*) as recorded, count(*) filter (where b.submitted_at is not null) as submitted
       from batch_items i join batches b on b.id = i.batch_id where i.tenant = $1`,
    [tenant],
  );
  return { recorded: Number(rows[0]!.recorded), submitted: Number(rows[0]!.submitted) };
}

export async function runBatchBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(BATCH_USAGE);
    return;
  }
  const options = parseBatchOptions(argv);
  const loadBefore = os.loadavg();
  const started = new Date();
  const tenant = randomTenant('bench-batch');
  const runId = `bb${Date.now().toString(36)}`;
  const probe = validateMessage(LaneRequestV1, JSON.parse(laneMessage(tenant, runId, 0, options.dimensions, started).value));
  if (!probe.ok) throw new Error(`the bench's lane message is not a LaneRequestV1: ${JSON.stringify(probe.errors)}`);

  say(`starting the batch-aggregator and a private provider emulator (windows close on the provider limit or after ${options.windowAgeS} s)`);
  const h = await SluiceHarness.start({
    name: 'bench-batch',
    tap: false,
    only: ['batch-aggregator', 'provider-emulator'],
    env: {
      'batch-aggregator': {
        BATCH_WINDOW_MAX_AGE_MS: String(options.windowAgeS * 1000),
        BATCH_POLL_MIN_MS: '500',
        BATCH_POLL_MAX_MS: '2000',
        BATCH_PROGRESS_INTERVAL_MS: '0',
        // The aggregator alone is measured here; on a shared broker another run's realtime traffic would
        // narrow its bulk valve (the isolation bench measures the valve).
        BULK_VALVE_DUTY_PERCENT: '100',
      },
    },
  });
  try {
    const idle = memoryOf(h.service('batch-aggregator').pid);

    say(`baseline: ${options.requests} lane messages to a topic of its own, then a bare kafkajs consumer reads and commits them`);
    const rawTopic = await h.createTopic('bench-batch-raw', 6);
    const rawProduced = await produceAll(h, rawTopic, options, (i) => laneMessage(tenant, `${runId}raw`, i, options.dimensions, started));
    const rawConsumeMs = await rawConsume(h, rawTopic, options.requests, options.waitS * 1000);
    say(`baseline: produced in ${seconds(rawProduced.ms)} s, consumed in ${seconds(rawConsumeMs)} s`);

    let results = 0;
    let firstResultAt: number | undefined;
    const tap = await TopicTap.open(h.kafka, {
      groupId: randomGroupId('bench-batch-results'),
      topics: [Topics.Results],
      fromEnd: true,
      keep: false,
      onMessage: (message) => {
        if ((message.value as { tenant?: string } | undefined)?.tenant !== tenant) return;
        results += 1;
        firstResultAt ??= Date.now();
      },
    });
    let peakSampled = idle.rssBytes;
    let sampler: NodeJS.Timeout | undefined;
    try {
      // Like the baseline's, Sluice's lane messages wait on the topic before it reads them: the
      // aggregator is stopped while they are produced, and the clock starts as it is started again.
      say(`Sluice: the batch-aggregator stopped while ${options.requests} lane messages are produced to ${Topics.LaneBatch}`);
      let produced = { bytes: 0, ms: 0 };
      let t0 = 0;
      const aggregator = await h.stopAndRestart('batch-aggregator', async () => {
        produced = await produceAll(h, Topics.LaneBatch, options, (i) => laneMessage(tenant, runId, i, options.dimensions, started));
        say(`produced in ${seconds(produced.ms)} s (${Math.round(produced.bytes / 1e6)} MB); starting the batch-aggregator`);
        t0 = Date.now();
      });
      const aggregatorPid = aggregator.pid;
      sampler = setInterval(() => (peakSampled = Math.max(peakSampled, memoryOf(aggregatorPid).rssBytes)), 500);
      say(`ready after ${seconds(Date.now() - t0)} s; waiting for every request to be in a submitted batch`);
      let progress = { recorded: 0, submitted: 0 };
      await h.waitFor(
        async () => {
          progress = await itemsSubmitted(h, tenant);
          return progress.submitted >= options.requests;
        },
        {
          timeoutMs: options.waitS * 1000,
          intervalMs: 2_000,
          description: () => `every request in a submitted batch (${progress.submitted} of ${options.requests})`,
        },
      );
      const submittedMs = Date.now() - t0;
      say(`all submitted after ${seconds(submittedMs)} s; waiting for the results`);
      await h.waitFor(() => results >= options.requests, {
        timeoutMs: options.waitS * 1000,
        intervalMs: 500,
        description: () => `a result for every request (${results} of ${options.requests})`,
      });
      const doneMs = Date.now() - t0;
      const memory = memoryOf(aggregatorPid);

      const { rows } = await h.ledger.pool.query<{ batches: string; smallest: number; largest: number; bytes: string }>(
        `select count(*) as batches, min(request_count) as smallest, max(request_count) as largest, sum(bytes) as bytes
           from batches where id in (select distinct batch_id from batch_items where tenant = $1)`,
        [tenant],
      );
      const batches = Number(rows[0]!.batches);
      const inputBytes = Number(rows[0]!.bytes);
      const minimum = minimumBatches({ requests: options.requests, inputs: options.requests, bytes: inputBytes }, OPENAI_BATCH_LIMITS);
      const intakeRate = options.requests / (submittedMs / 1000);
      const rawRate = options.requests / (rawConsumeMs / 1000);
      const report = {
        bench: 'batch',
        date: started.toISOString(),
        finishedAt: new Date().toISOString(),
        config: options,
        method: {
          sluice:
            'lane messages (LaneRequestV1, embeddings that may wait a day) produced straight to sluice.lane.batch.v1 while the aggregator is stopped, the clock started as it is started again (its start-up included); the aggregator alone (with a private emulator, preset test) consuming them: windows close on the provider limits (50,000 requests) or the window age; throughput until every request is in a submitted batch (recorded in the ledger with its lane message, uploaded as a stream, created at the emulator, offsets committed), and until every result was read off sluice.results.v1',
          baseline:
            'the same number of lane messages, the same size, read by a bare kafkajs consumer (6 partitions concurrently, JSON parse, commit per fetched batch) from a topic of its own on the same broker',
          memory:
            "the aggregator's resident memory: idle before the run, sampled every 500 ms, and its peak (VmHWM); beside it, the bytes of all the lane messages, which an aggregator holding every request would need at least",
        },
        environment: benchEnvironment(loadBefore),
        batches: {
          created: batches,
          minimum,
          ratio: Math.round((batches / minimum) * 1000) / 1000,
          smallestRequests: rows[0]!.smallest,
          largestRequests: rows[0]!.largest,
          limits: OPENAI_BATCH_LIMITS,
          inputBytes,
        },
        memory: {
          idleRssMiB: Math.round(idle.rssBytes / 2 ** 20),
          peakRssMiB: Math.round(Math.max(memory.peakRssBytes, peakSampled) / 2 ** 20),
          laneMessagesMiB: Math.round(produced.bytes / 2 ** 20),
          peakToAllMessages: Math.round((Math.max(memory.peakRssBytes, peakSampled) / produced.bytes) * 1000) / 1000,
        },
        throughput: {
          produceS: seconds(produced.ms),
          untilAllSubmittedS: seconds(submittedMs),
          untilAllResultsS: seconds(doneMs),
          firstResultAfterS: firstResultAt === undefined ? null : seconds(firstResultAt - t0),
          intakePerSecond: Math.round(intakeRate),
          endToEndPerSecond: Math.round(options.requests / (doneMs / 1000)),
          baselineRawConsumePerSecond: Math.round(rawRate),
          intakeToBaseline: Math.round((intakeRate / rawRate) * 1000) / 1000,
        },
      };
      mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
      writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
      say(
        `${batches} batches for ${options.requests} requests (minimum ${minimum}); aggregator peak RSS ${report.memory.peakRssMiB} MiB (idle ${report.memory.idleRssMiB} MiB, all lane messages ${report.memory.laneMessagesMiB} MiB); ` +
          `intake ${report.throughput.intakePerSecond}/s against a bare consumer's ${report.throughput.baselineRawConsumePerSecond}/s (${report.throughput.intakeToBaseline}); written to ${relative(REPO_ROOT, RESULTS_FILE)}`,
      );
    } finally {
      clearInterval(sampler);
      await tap.stop();
    }
  } finally {
    await h.stop();
  }
}
