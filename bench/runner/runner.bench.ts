import { ConsumerRunner, createKafkaJsDriver, parseBrokerList, type InboundMessage } from '@sluice/kafka';
import { randomGroupId, waitFor } from '@sluice/testing';
import { Kafka, logLevel } from 'kafkajs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { benchEnvironment } from '../bench.environment';
import { kafkaJsSecurityFromEnv, kafkaSecurityFromEnv } from '../../scripts/stack/kafka/kafka.security';

const RESULTS_FILE = join(__dirname, '..', 'results', 'runner.json');

export const RUNNER_USAGE = `usage: npm run bench -- runner [--messages N] [--rounds N] [--partitions N] [--max-batch-size N]

The consumer runner's own overhead: a no-op batch handler consuming N small messages from one topic
against a bare kafkajs eachBatch consumer (JSON.parse per message, commit per fetched batch) on the
same topic, alternating, each round with fresh consumer groups. Writes bench/results/runner.json.
  --messages N        messages on the topic (default 200000)
  --rounds N          baseline/runner pairs (default 3)
  --partitions N      partitions of the topic, all consumed at once by both (default 6)
  --max-batch-size N  the runner's maxBatchSize (default: the runner's default)`;

interface RunnerBenchOptions {
  messages: number;
  rounds: number;
  partitions: number;
  maxBatchSize?: number;
}

function positive(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 1) throw new Error(`--${name} must be a positive integer, got ${value}`);
  return parsed;
}

function parseRunnerOptions(argv: readonly string[]): RunnerBenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      messages: { type: 'string' },
      rounds: { type: 'string' },
      partitions: { type: 'string' },
      'max-batch-size': { type: 'string' },
    },
  });
  return {
    messages: positive('messages', values.messages, 200_000),
    rounds: positive('rounds', values.rounds, 3),
    partitions: positive('partitions', values.partitions, 6),
    maxBatchSize: values['max-batch-size'] === undefined ? undefined : positive('max-batch-size', values['max-batch-size'], 1),
  };
}

const say = (line: string): void => console.log(`bench runner: ${line}`);
const rate = (count: number, ms: number): number => Math.round((count / ms) * 1000);

/** A request-sized JSON value: about 150 bytes. */
function value(i: number): string {
  return JSON.stringify({ id: `r-${i}`, tenant: 'bench', model: 'text-embedding-3-small', input: `passage ${i} of the corpus`, n: i });
}

async function produce(kafka: Kafka, topic: string, count: number): Promise<void> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let start = 0; start < count; start += 5_000) {
      const messages = [];
      for (let i = start; i < Math.min(count, start + 5_000); i += 1) messages.push({ key: `k${i}`, value: value(i) });
      await producer.send({ topic, acks: -1, messages });
    }
  } finally {
    await producer.disconnect();
  }
}

// Both are timed from the first message handed over to the last: joining a group is not the runner's overhead.
async function bare(kafka: Kafka, topic: string, options: RunnerBenchOptions): Promise<number> {
  const consumer = kafka.consumer({ groupId: randomGroupId('bench-runner-bare'), maxWaitTimeInMs: 100 });
  let seen = 0;
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    let started = 0;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitions,
      eachBatch: async (payload) => {
        const { batch } = payload;
        started ||= Date.now();
        for (const message of batch.messages) {
          JSON.parse(message.value?.toString('utf8') ?? 'null');
          payload.resolveOffset(message.offset);
        }
        await payload.commitOffsetsIfNecessary({
          topics: [{ topic, partitions: [{ partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }] }],
        });
        seen += batch.messages.length;
      },
    });
    await waitFor(() => seen >= options.messages, { timeoutMs: 600_000, intervalMs: 20, description: 'the bare consumer to read every message' });
    return Date.now() - started;
  } finally {
    await consumer.disconnect();
  }
}

async function viaRunner(brokers: string[], topic: string, options: RunnerBenchOptions): Promise<number> {
  let handled = 0;
  let started = 0;
  const runner = new ConsumerRunner<unknown>({
    kafka: createKafkaJsDriver({ brokers, clientId: 'bench-runner', logLevel: 'error', security: kafkaSecurityFromEnv() }),
    groupId: randomGroupId('bench-runner'),
    topics: [topic],
    partitionsConsumedConcurrently: options.partitions,
    session: { maxWaitTimeMs: 100 },
    ...(options.maxBatchSize === undefined ? {} : { maxBatchSize: options.maxBatchSize }),
    handleBatch: (messages: ReadonlyArray<InboundMessage<unknown>>) => {
      started ||= Date.now();
      handled += messages.length;
    },
    onFatal: (error) => {
      throw error;
    },
  });
  await runner.start();
  try {
    await waitFor(() => handled >= options.messages, { timeoutMs: 600_000, intervalMs: 20, description: 'the runner to hand over every message' });
    return Date.now() - started;
  } finally {
    await runner.stop();
  }
}

export async function runRunnerBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(RUNNER_USAGE);
    return;
  }
  const options = parseRunnerOptions(argv);
  const loadBefore = os.loadavg();
  const brokers = parseBrokerList(process.env.KAFKA_BROKERS || '127.0.0.1:9092');
  const kafka = new Kafka({ clientId: 'bench-runner', brokers, logLevel: logLevel.ERROR, ...kafkaJsSecurityFromEnv() });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `bench-runner-${Date.now().toString(36)}`;
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions: options.partitions }], waitForLeaders: true });
    say(`producing ${options.messages} messages to ${topic} (${options.partitions} partitions)`);
    await produce(kafka, topic, options.messages);
    const rounds: Array<{ bareMs: number; runnerMs: number }> = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      const bareMs = await bare(kafka, topic, options);
      const runnerMs = await viaRunner(brokers, topic, options);
      rounds.push({ bareMs, runnerMs });
      say(`round ${round}: bare ${rate(options.messages, bareMs)}/s, runner ${rate(options.messages, runnerMs)}/s`);
    }
    // The best of each: the machine is shared, and the best round is the one least disturbed.
    const bareBest = Math.min(...rounds.map((round) => round.bareMs));
    const runnerBest = Math.min(...rounds.map((round) => round.runnerMs));
    const result = {
      bench: 'runner',
      startedAt: new Date().toISOString(),
      options,
      messageBytes: value(options.messages).length,
      rounds: rounds.map((round) => ({ ...round, bareRate: rate(options.messages, round.bareMs), runnerRate: rate(options.messages, round.runnerMs) })),
      bareRatePerS: rate(options.messages, bareBest),
      runnerRatePerS: rate(options.messages, runnerBest),
      ratio: Math.round((bareBest / runnerBest) * 1000) / 1000,
      environment: benchEnvironment(loadBefore),
    };
    mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(result, null, 2)}\n`);
    say(`runner ${result.runnerRatePerS}/s against bare ${result.bareRatePerS}/s: ${result.ratio}x (bench/results/runner.json)`);
  } finally {
    await admin.deleteTopics({ topics: [topic] }).catch(() => undefined);
    await admin.disconnect();
  }
}
