import { Topics } from '@sluice/contracts';
import { randomGroupId, randomTenant, waitFor } from '@sluice/testing';
import { Admin, Kafka } from 'kafkajs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../scripts/stack/stack.config';
import { SluiceHarness } from '../../test/e2e/support';
import type { ServiceName } from '../../scripts/up/services/service.catalog';
import type { KafkaDriverName } from '@sluice/kafka';
import { lagsOf, positionAtEnd } from '../../test/e2e/support/consumer.groups';
import { benchEnvironment } from '../bench.environment';
import { ratio } from '../realtime/latency.stats';
import { BenchProgress } from '../support/bench.progress';
import { produceFast } from '../support/fast.producer';
import { KeyedReader, quietKafka } from '../support/keyed.reader';
import { loadTrace } from '../workload/trace.files';
import type { TraceRow } from '../workload/trace.rows';
import { ArrivalLedger, ArrivalVerdict, rateOf } from './arrival.ledger';
import { startRawPipe } from './raw.pipe';
import { RequestStamps, stageSplit } from './stage.split';
import { THROUGHPUT_USAGE, ThroughputOptions, parseThroughputOptions } from './throughput.options';
import { indexOf, kindOf, laneStamps, plannedRequest } from './throughput.plan';

const RESULTS_FILE = join(__dirname, '..', 'results', 'throughput.json');
/** requests → accepted → lane: two consume→produce hops. */
const HOPS = 2;
const LAG_SAMPLE_MS = 2_000;

/** A machine shared with other work can take minutes to start six Node processes. */
const READY_TIMEOUT_MS = 600_000;
const say = (line: string): void => console.log(`bench throughput: ${line}`);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

interface RunFigures {
  produced: { firstSentAt: string; produceS: number; producePerSecond: number; megabytes: number };
  complete: boolean;
  /** From the first produce to the last arrival (or to the timeout, when incomplete). */
  seconds: number;
  perSecond: number | null;
  arrivals: ArrivalVerdict;
}

async function runThrough(
  kafka: Kafka,
  options: ThroughputOptions,
  what: string,
  target: { topic: string; readTopics: readonly string[]; fromEnd: boolean },
  make: (index: number) => { key: string; value: string },
  runId: string,
  hooks: {
    onArrive?: (index: number, topic: string, value: Buffer | null, laneAt: number, readAt: number) => void;
    onChunkSent?: (first: number, count: number, at: number) => void;
  } = {},
): Promise<RunFigures> {
  const ledger = new ArrivalLedger(options.requests);
  const reader = await KeyedReader.open(kafka, {
    groupId: randomGroupId(`bench-throughput-${what}`),
    topics: target.readTopics,
    fromEnd: target.fromEnd,
    keyPrefix: `${runId}-`,
    onMessage: (message) => {
      const index = indexOf(runId, message.key);
      ledger.record(index, message.topic, message.readAt);
      if (index !== undefined) hooks.onArrive?.(index, message.topic, message.value, message.timestampMs, message.readAt);
    },
  });
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const progress = new BenchProgress([
    { name: `${what}: produced`, total: options.requests },
    { name: `${what}: arrived`, total: options.requests },
  ]);
  const ticker = setInterval(() => progress.update(`${what}: arrived`, ledger.arrived), 500);
  try {
    const produced = await produceFast(producer, target.topic, options.requests, make, {
      chunk: options.produceChunk,
      concurrency: options.produceConcurrency,
      onChunkSent: hooks.onChunkSent,
      onAcknowledged: (total) => progress.update(`${what}: produced`, total),
    });
    await waitFor(() => ledger.complete, { timeoutMs: options.timeoutS * 1000, intervalMs: 100, description: `every message of ${what}` }).catch(
      () => undefined,
    );
    const end = ledger.complete ? (ledger.lastAt as number) : Date.now();
    const produceMs = produced.lastAcknowledgedAt - produced.firstSentAt;
    return {
      produced: {
        firstSentAt: new Date(produced.firstSentAt).toISOString(),
        produceS: seconds(produceMs),
        producePerSecond: Math.round(options.requests / (Math.max(produceMs, 1) / 1000)),
        megabytes: Math.round(produced.bytes / 1e5) / 10,
      },
      complete: ledger.complete,
      seconds: seconds(end - produced.firstSentAt),
      perSecond: ledger.complete ? rateOf(options.requests, produced.firstSentAt, ledger.lastAt) : rateOf(ledger.arrived, produced.firstSentAt, end),
      arrivals: ledger.verdict((index) => (target.readTopics.length === 1 ? (target.readTopics[0] as string) : kindOf(index, options.chatShare).laneTopic)),
    };
  } finally {
    clearInterval(ticker);
    progress.update(`${what}: arrived`, ledger.arrived);
    progress.stop();
    await producer.disconnect();
    await reader.stop();
  }
}

/** The Kafka timestamps of the run's messages on sluice.accepted.v1, read after the run from where they started. */
async function acceptedTimestamps(kafka: Kafka, groupId: string, runId: string, expected: number, into: Float64Array): Promise<number> {
  let seen = 0;
  let lastChange = Date.now();
  const reader = await KeyedReader.open(kafka, {
    groupId,
    topics: [Topics.Accepted],
    fromEnd: false,
    keyPrefix: `${runId}-`,
    onMessage: (message) => {
      const index = indexOf(runId, message.key);
      if (index === undefined || !Number.isNaN(into[index])) return;
      into[index] = message.timestampMs;
      seen += 1;
      lastChange = Date.now();
    },
  });
  try {
    await waitFor(() => seen >= expected || Date.now() - lastChange > 15_000, {
      timeoutMs: 600_000,
      intervalMs: 200,
      description: 'the accepted messages',
    }).catch(() => undefined);
    return seen;
  } finally {
    await reader.stop();
  }
}

interface LagSample {
  atS: number;
  arrived: number;
  /** Messages not yet committed, per consumer group of the run (its name without the run's prefix). */
  lag: Record<string, number>;
}

function sampleLag(admin: Admin, groupPrefix: string, started: number, arrived: () => number, into: LagSample[]): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    lagsOf(admin, (groupId) => groupId.startsWith(groupPrefix))
      .then((lags) => {
        into.push({
          atS: seconds(Date.now() - started),
          arrived: arrived(),
          lag: Object.fromEntries(lags.map((lag) => [lag.groupId.slice(groupPrefix.length + 1), lag.lag])),
        });
      })
      .catch(() => undefined)
      .finally(() => (busy = false));
  }, LAG_SAMPLE_MS);
  return () => clearInterval(timer);
}

/** One way of running Sluice's services, measured against the same baseline. */
interface Variant {
  driver: KafkaDriverName;
  semiSpaceMiB: number | null;
}

function variantName({ driver, semiSpaceMiB }: Variant): string {
  return semiSpaceMiB === null ? driver : `${driver}, ${semiSpaceMiB} MiB semi-spaces`;
}

interface SluiceRun extends Variant {
  figures: RunFigures;
  acceptedTimestampsRead: number;
  stagesMs: ReturnType<typeof stageSplit>;
  lagTimeline: LagSample[];
}

function startServices(services: readonly ServiceName[] | undefined, { driver, semiSpaceMiB }: Variant): Promise<SluiceHarness> {
  const env = { KAFKA_DRIVER: driver, ...(semiSpaceMiB !== null && { SLUICE_SEMI_SPACE_MIB: String(semiSpaceMiB) }) };
  return SluiceHarness.start({
    name: 'bench-throughput',
    tap: false,
    bulkApart: true,
    only: services,
    readyTimeoutMs: READY_TIMEOUT_MS,
    env: { ingestion: env, router: env },
  });
}

/** N requests through the running services to the lane topics, with the time split and the lag timeline. */
async function measureSluice(
  h: SluiceHarness,
  admin: Admin,
  kafka: Kafka,
  options: ThroughputOptions,
  plan: { tenant: string; rows: readonly TraceRow[]; runId: string; variant: Variant },
): Promise<SluiceRun> {
  const { tenant, rows, runId, variant } = plan;
  const label = variantName(variant);
  const n = options.requests;
  const producedAt = new Float64Array(n).fill(Number.NaN);
  const receivedAt = new Float64Array(n).fill(Number.NaN);
  const routedAt = new Float64Array(n).fill(Number.NaN);
  const laneAt = new Float64Array(n).fill(Number.NaN);
  const readAt = new Float64Array(n).fill(Number.NaN);
  const acceptedAt = new Float64Array(n).fill(Number.NaN);
  const acceptedGroup = randomGroupId('bench-throughput-accepted');
  await positionAtEnd(kafka, [acceptedGroup], [Topics.Accepted]);
  const timeline: LagSample[] = [];
  let arrivedSoFar = 0;
  const stopSampling = sampleLag(admin, h.groupPrefix, Date.now(), () => arrivedSoFar, timeline);
  say(`Sluice on ${label}: ${n} requests to ${Topics.Requests}, read back from ${Topics.LaneAsync} and ${Topics.LaneBatch}`);
  let sluice: RunFigures;
  try {
    sluice = await runThrough(
      kafka,
      options,
      `Sluice-${label}`,
      { topic: Topics.Requests, readTopics: [Topics.LaneAsync, Topics.LaneBatch], fromEnd: true },
      (index) => plannedRequest(runId, tenant, index, rows, options.chatShare, Date.now()),
      runId,
      {
        onChunkSent: (first, count, at) => producedAt.fill(at, first, first + count),
        onArrive: (index, _topic, value, timestampMs, at) => {
          arrivedSoFar += 1;
          if (!Number.isNaN(readAt[index])) return;
          const stamps = laneStamps(value?.toString('utf8') ?? '');
          receivedAt[index] = stamps.receivedAt ?? Number.NaN;
          routedAt[index] = stamps.routedAt ?? Number.NaN;
          laneAt[index] = timestampMs;
          readAt[index] = at;
        },
      },
    );
  } finally {
    stopSampling();
  }
  say(
    `Sluice on ${label}: ${sluice.arrivals.arrived} of ${n} on the lane topics after ${sluice.seconds} s: ${sluice.perSecond}/s${sluice.complete ? '' : ` (INCOMPLETE: the --timeout of ${options.timeoutS} s ran out)`}`,
  );
  say("reading the run's Kafka timestamps on sluice.accepted.v1 for the time split");
  const acceptedSeen = await acceptedTimestamps(kafka, acceptedGroup, runId, n, acceptedAt);
  const stamps: RequestStamps[] = [];
  for (let index = 0; index < n; index += 1) {
    stamps.push({
      producedAt: producedAt[index] as number,
      receivedAt: receivedAt[index] as number,
      acceptedAt: acceptedAt[index] as number,
      routedAt: routedAt[index] as number,
      laneAt: laneAt[index] as number,
      readAt: readAt[index] as number,
    });
  }
  return { ...variant, figures: sluice, acceptedTimestampsRead: acceptedSeen, stagesMs: stageSplit(stamps), lagTimeline: timeline };
}

export async function runThroughputBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(THROUGHPUT_USAGE);
    return;
  }
  const options = parseThroughputOptions(argv);
  const loadBefore = os.loadavg();
  const started = new Date();
  const rows: readonly TraceRow[] = loadTrace().rows;
  const tenant = randomTenant('bench-tp');
  const stamp = Date.now().toString(36);
  const services = options.allServices ? undefined : (['ingestion', 'router', 'provider-emulator'] as const);
  const [firstVariant, ...laterVariants] = options.drivers.flatMap((driver) =>
    options.semiSpaces.map((semiSpaceMiB): Variant => ({ driver, semiSpaceMiB })),
  ) as [Variant, ...Variant[]];
  say(
    `starting ${services === undefined ? 'the five Sluice services and the emulator' : 'ingestion and the router (and the emulator the harness always starts)'} on free ports, on ${variantName(firstVariant)}`,
  );
  let h = await startServices(services, firstVariant);
  let admin = h.kafka.admin();
  await admin.connect();
  try {
    const brokers = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
    const kafka = quietKafka(brokers, `bench-throughput-${stamp}`);
    const [metadata] = (await admin.fetchTopicMetadata({ topics: [Topics.Requests] })).topics;
    const partitions = metadata?.partitions.length ?? 6;
    say(
      `services ready (logs: ${h.runDir}); ${Topics.Requests} has ${partitions} partitions; ${options.requests} requests of the trace's sizes, ${Math.round(options.chatShare * 100)} % chat (15 min) and the rest embeddings (48 h)`,
    );

    let baseline: RunFigures | undefined;
    if (!options.skipBaseline) {
      say(`baseline: a raw kafkajs pipe of ${HOPS} hops (fetched batch in, one send per batch, acks=all) over fresh topics of ${partitions} partitions`);
      const pipe = await startRawPipe(h.kafka, brokers, { hops: HOPS, partitions });
      const baseRunId = `tpb${stamp}`;
      try {
        baseline = await runThrough(
          kafka,
          options,
          'baseline',
          { topic: pipe.first, readTopics: [pipe.last], fromEnd: false },
          (index) => plannedRequest(baseRunId, tenant, index, rows, options.chatShare, Date.now()),
          baseRunId,
        );
      } finally {
        await pipe.stop();
      }
      say(`baseline: ${baseline.arrivals.arrived} of ${options.requests} through in ${baseline.seconds} s: ${baseline.perSecond}/s`);
    }

    const runs: SluiceRun[] = [await measureSluice(h, admin, kafka, options, { tenant, rows, runId: `tp${stamp}`, variant: firstVariant })];
    for (const [index, variant] of laterVariants.entries()) {
      say(`restarting ingestion and the router on ${variantName(variant)}`);
      await admin.disconnect();
      await h.stop();
      h = await startServices(services, variant);
      admin = h.kafka.admin();
      await admin.connect();
      runs.push(await measureSluice(h, admin, kafka, options, { tenant, rows, runId: `tp${stamp}v${index + 1}`, variant }));
    }
    const byDriver = runs.map((run) => {
      const rateRatio = baseline === undefined ? null : ratio(run.figures.perSecond, baseline.perSecond);
      return { ...run, ratio: rateRatio, met: rateRatio !== null && rateRatio >= 0.5 && run.figures.arrivals.exactlyOnce };
    });
    const first = byDriver[0]!;
    const report = {
      bench: 'throughput',
      date: started.toISOString(),
      finishedAt: new Date().toISOString(),
      config: { ...options, partitions, services: services ?? 'all' },
      method: {
        sluice:
          "requests (the trace excerpt's sizes, cycled: chat on gpt-5/o4-mini with a 15 min deadline for the async lane, text-embedding-3-small embeddings with a 48 h deadline for the batch lane, mode auto) produced to sluice.requests.v1 as fast as one kafkajs producer can (acks=all, --produce-chunk messages a request, --produce-concurrency in flight); the benchmark reads sluice.lane.async.v1 and sluice.lane.batch.v1 (from their end before the run, by key) until every id arrived; rate = N / (last lane arrival - first produce)",
        baseline: `the same N messages (same sizes, produced the same way) through ${HOPS} plain kafkajs forwarders in a child process: each consumes a fetched batch per partition (partitions concurrently), forwards it in one send with acks=all and commits after it; fresh topics of the same partition count on the same broker, deleted afterwards; measured first, in the same run`,
        drivers:
          "with several --drivers or --semi-spaces, ingestion and the router are restarted on each driver (KAFKA_DRIVER) with each semi-space size (SLUICE_SEMI_SPACE_MIB) after the one baseline and measured in turn; `sluice`, `ratio`, `stagesMs` and `lagTimeline` are the first's, `byDriver` has every one",
        exactlyOnce:
          "counted by the benchmark from the keys it read (each key is <run>-<index>), independent of Sluice's code: every index on a lane topic, none twice, each on the lane its deadline calls for",
        stages:
          "per request, from the benchmark's send time, the lane message's receivedAt (ingestion) and routing.routedAt (the router; the `at` of its routed event), the Kafka timestamps of its messages on sluice.accepted.v1 (read after the run) and on the lane topic, and the time the benchmark read it",
        lag: `every ${LAG_SAMPLE_MS / 1000} s, the uncommitted messages of each consumer group of the run`,
      },
      environment: benchEnvironment(loadBefore),
      baseline: baseline ?? null,
      driver: first.driver,
      sluice: { ...first.figures, acceptedTimestampsRead: first.acceptedTimestampsRead },
      ratio: first.ratio,
      bar: { ratioAtLeast: 0.5, met: first.met },
      stagesMs: first.stagesMs,
      lagTimeline: first.lagTimeline,
      byDriver: byDriver.map(({ driver, semiSpaceMiB, figures, acceptedTimestampsRead, ratio: rateRatio, met, stagesMs }) => ({
        driver,
        semiSpaceMiB,
        sluice: { ...figures, acceptedTimestampsRead },
        ratio: rateRatio,
        met,
        stagesMs,
      })),
    };
    mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    for (const run of byDriver) {
      const verdict = run.figures.arrivals;
      say(
        `Sluice on ${variantName(run)} ${run.figures.perSecond}/s against the raw pipe's ${baseline?.perSecond ?? '-'}/s: ratio ${run.ratio ?? '-'} (bar >= 0.5); ` +
          `exactly once: ${verdict.exactlyOnce} (missing ${verdict.missing}, duplicates ${verdict.duplicates}, wrong lane ${verdict.wrongPlace}); ` +
          `p50 produce->accepted ${run.stagesMs.produceToAccepted.p50Ms} ms, accepted->lane ${run.stagesMs.acceptedToLane.p50Ms} ms`,
      );
    }
    say(`written to ${relative(REPO_ROOT, RESULTS_FILE)}`);
  } finally {
    await admin.disconnect();
    await h.stop();
  }
}
