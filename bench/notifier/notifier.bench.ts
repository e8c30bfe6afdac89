/**
 * Result booking: how fast one result-notifier books a backlog of results, against another build
 * of it in the same run (typically the one before a change), on the same broker and database.
 *
 *   npm run bench -- notifier [--results 20000] [--baseline <repo root of the other build>] [--rounds 1] [--cpu-prof <dir>]
 *
 * Per system and round: a fresh database with `results` requests recorded (as ingestion would), a
 * consumer group of its own positioned at the end of sluice.results.v1, then one result per request
 * produced (succeeded, realtime lane, no replyTo or webhook: the event is published), and only then
 * the notifier started from `<root>/dist/apps/result-notifier/main.js`, alone on the group. Booking
 * time is first to last `completions.booked_at` (the rate at which the backlog drains, free of
 * startup and group join); wall time is from starting the process until every result is booked, or
 * until `--limit-s` ends the round (the rate is then over what was booked by then).
 * Needs the stack (`npm run stack:up`) and built bundles (`npm run build -- result-notifier`).
 * Results go to bench/results/notifier.json.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { INTERNAL_SIGNATURE_HEADER, InferenceResultV1, resultIdFor, Topics } from '@sluice/contracts';
import { MessageSigner } from '@sluice/kafka';
import { sampleResult } from '@sluice/contracts/testing/message.samples';
import { createRepositories, NewRequestRecord } from '@sluice/ledger';
import { createTestDatabase } from '@sluice/ledger/testing/test-database';
import { Kafka, logLevel } from 'kafkajs';
import { positionAtEnd } from '../../test/e2e/support/consumer.groups';
import { isReady } from '../../scripts/up/services/service.health';
import { benchEnvironment } from '../bench.environment';
import { kafkaJsSecurityFromEnv } from '../../scripts/stack/kafka/kafka.security';

interface Run {
  system: string;
  round: number;
  results: number;
  /** Fewer than `results` when the time limit ended the round first. */
  booked: number;
  bookingSeconds: number;
  bookedPerSecond: number;
  wallSeconds: number;
}

const REPO = resolve(__dirname, '..', '..');

function requestsFor(tenant: string, n: number, receivedAt: Date): NewRequestRecord[] {
  return Array.from({ length: n }, (_, i) => ({
    tenant,
    id: `bench-${i}`,
    bodyHash: 'f'.repeat(64),
    provider: 'openai',
    operation: 'chat',
    model: 'gpt-4o-mini',
    mode: 'auto',
    receivedAt,
    deadline: new Date(receivedAt.getTime() + 3_600_000),
  }));
}

function resultFor(tenant: string, id: string, receivedAt: Date): InferenceResultV1 {
  return sampleResult({
    tenant,
    id,
    resultId: resultIdFor(tenant, id, 'realtime'),
    lane: 'realtime',
    cost: { usd: 0.0001, realtimeUsd: 0.0001, savedUsd: 0 },
    timings: { receivedAt: receivedAt.toISOString(), completedAt: new Date(receivedAt.getTime() + 1_000).toISOString() },
    deadline: new Date(receivedAt.getTime() + 3_600_000).toISOString(),
  }) as unknown as InferenceResultV1;
}

/** Whether `check` came true before `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) return false;
    await new Promise((done) => setTimeout(done, 100));
  }
  return true;
}

async function runOnce(kafka: Kafka, system: string, root: string, round: number, n: number, port: number, limitMs: number, cpuProfDir?: string): Promise<Run> {
  const bundle = join(root, 'dist', 'apps', 'result-notifier', 'main.js');
  if (!existsSync(bundle)) throw new Error(`${bundle} is missing: build it (npm run build -- result-notifier in ${root})`);
  const db = await createTestDatabase();
  try {
    const tenant = `bench${Date.now().toString(36)}`;
    const receivedAt = new Date();
    const ledger = createRepositories(db.pool);
    await ledger.requests.insertMany(requestsFor(tenant, n, receivedAt));
    const groupId = `bench-notifier-${system}-${Date.now().toString(36)}`;
    await positionAtEnd(kafka, [groupId], [Topics.Results]);
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    // The notifier takes only results signed with the services' key, as a worker signs them.
    const signer = new MessageSigner(process.env.SLUICE_INTERNAL_SIGNING_KEY || undefined);
    for (let start = 0; start < n; start += 1_000) {
      const messages = [];
      for (let i = start; i < Math.min(n, start + 1_000); i++) {
        const id = `bench-${i}`;
        const value = JSON.stringify(resultFor(tenant, id, receivedAt));
        messages.push({ key: id, value, headers: { [INTERNAL_SIGNATURE_HEADER]: signer.signatureOf(Topics.Results, id, value) } });
      }
      await producer.send({ topic: Topics.Results, acks: -1, messages });
    }
    await producer.disconnect();

    const logFile = join(REPO, 'bench', 'results', `.notifier-${system}.log`);
    const log = openSync(logFile, 'w');
    const args = cpuProfDir ? [`--cpu-prof`, `--cpu-prof-dir=${join(cpuProfDir, system)}`, bundle] : [bundle];
    const started = Date.now();
    const child = spawn(process.execPath, args, {
      cwd: root,
      env: { ...process.env, DATABASE_URL: db.url, KAFKA_GROUP_ID: groupId, PORT: String(port), LOG_LEVEL: 'warn' },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    const exited = new Promise<void>((done) => child.once('exit', () => done()));
    try {
      if (!(await until(() => isReady(port), 120_000))) throw new Error(`${system} was not ready in time (log: ${logFile})`);
      const booked = async (): Promise<number> =>
        Number((await db.pool.query<{ n: string }>('select count(*) as n from completions where tenant = $1', [tenant])).rows[0].n);
      await until(async () => (await booked()) >= n, limitMs);
      const wallSeconds = (Date.now() - started) / 1000;
      const { rows } = await db.pool.query<{ seconds: number; n: string }>(
        'select extract(epoch from max(booked_at) - min(booked_at))::float8 as seconds, count(*) as n from completions where tenant = $1',
        [tenant],
      );
      const bookingSeconds = rows[0].seconds ?? 0;
      const count = Number(rows[0].n);
      return { system, round, results: n, booked: count, bookingSeconds, bookedPerSecond: Math.round(count / Math.max(bookingSeconds, 0.001)), wallSeconds };
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  } finally {
    await db.drop();
  }
}

export async function runNotifierBench(argv: readonly string[]): Promise<void> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      results: { type: 'string', default: '20000' },
      baseline: { type: 'string' },
      current: { type: 'string' },
      rounds: { type: 'string', default: '1' },
      port: { type: 'string', default: '3904' },
      'limit-s': { type: 'string', default: '300' },
      'cpu-prof': { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      'npm run bench -- notifier [--results 20000] [--baseline <repo root of the other build>] [--current <repo root, default this one>] [--rounds 1] [--port 3904] [--limit-s 300] [--cpu-prof <dir>]',
    );
    return;
  }
  const n = Number(values.results);
  const loadBefore = loadavg();
  const systems: Array<[string, string]> = [
    ...(values.baseline ? [['baseline', resolve(values.baseline)] as [string, string]] : []),
    ['current', resolve(values.current ?? REPO)],
  ];
  const kafka = new Kafka({
    clientId: 'bench-notifier',
    brokers: (process.env.KAFKA_BROKERS || '127.0.0.1:9092').split(','),
    logLevel: logLevel.ERROR,
    ...kafkaJsSecurityFromEnv(),
  });
  const runs: Run[] = [];
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const [system, root] of systems) {
      const run = await runOnce(kafka, system, root, round, n, Number(values.port), Number(values['limit-s']) * 1000, values['cpu-prof']);
      console.log(
        `${system} round ${round}: ${run.booked} of ${n} results booked in ${run.bookingSeconds.toFixed(2)} s (${run.bookedPerSecond}/s), ${run.wallSeconds.toFixed(1)} s from start`,
      );
      runs.push(run);
    }
  }
  const median = (system: string): number | undefined => {
    const rates = runs
      .filter((run) => run.system === system)
      .map((run) => run.bookedPerSecond)
      .sort((a, b) => a - b);
    return rates.length === 0 ? undefined : rates[Math.floor(rates.length / 2)];
  };
  const current = median('current');
  const baseline = median('baseline');
  const output = {
    bench: 'notifier',
    results: n,
    bookedPerSecond: { current, baseline, ratio: current !== undefined && baseline !== undefined ? Math.round((current / baseline) * 100) / 100 : undefined },
    runs,
    method: 'backlog of results produced before the notifier starts; booking time = first to last completions.booked_at; wall = process start to all booked',
    environment: benchEnvironment(loadBefore),
    date: new Date().toISOString(),
  };
  mkdirSync(join(REPO, 'bench', 'results'), { recursive: true });
  writeFileSync(join(REPO, 'bench', 'results', 'notifier.json'), `${JSON.stringify(output, null, 2)}\n`);
  console.log(JSON.stringify(output.bookedPerSecond));
}
