import { Topics } from '@sluice/contracts';
import { randomGroupId, randomTenant } from '@sluice/testing';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join, relative } from 'node:path';
import { REPO_ROOT } from '../../scripts/stack/stack.config';
import { SluiceHarness, chatRequest } from '../../test/e2e/support';
import { benchEnvironment } from '../bench.environment';
import { InFlight, now } from '../realtime/in-flight';
import { LatencySummary, summarize } from '../realtime/latency.stats';
import { LoadOutcome, runSteadyLoad } from '../realtime/steady.load';
import { BenchProgress } from '../support/bench.progress';
import { KeyedReader, quietKafka } from '../support/keyed.reader';
import { ISOLATION_USAGE, IsolationOptions, parseIsolationOptions } from './isolation.options';
import { RealtimeStages, ResultTimings } from './realtime.stages';
import { DisturbanceConfig, DisturbanceReport, PhaseName, intakeOutcome, p99Ratio } from './isolation.plan';

const RESULTS_FILE = join(__dirname, '..', 'results', 'isolation.json');
const P99_BAR = 1.5;

/** A machine shared with other work can take minutes to start six Node processes. */
const READY_TIMEOUT_MS = 600_000;
const say = (line: string): void => console.log(`bench isolation: ${line}`);
const seconds = (ms: number): number => Math.round(ms / 100) / 10;

interface Disturbance {
  child: ChildProcess;
  last: () => DisturbanceReport | undefined;
  stop: () => Promise<void>;
}

/** Starts the load generator child (bench/isolation/disturbance.ts); resolves once its lane reader holds its partitions. */
async function startDisturbance(config: DisturbanceConfig, onReport: (report: DisturbanceReport) => void): Promise<Disturbance> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(__dirname, 'disturbance.ts'), JSON.stringify(config)], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let last: DisturbanceReport | undefined;
  let buffer = '';
  await new Promise<void>((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`the ${config.mode} load generator exited with ${code} before it was ready`)));
    child.stdout?.setEncoding('utf8').on('data', (text: string) => {
      buffer += text;
      let newline = buffer.indexOf('\n');
      while (newline !== -1) {
        const line = buffer.slice(0, newline).trim();
        buffer = buffer.slice(newline + 1);
        newline = buffer.indexOf('\n');
        if (line === 'ready') resolve();
        else if (line.startsWith('{')) {
          last = JSON.parse(line) as DisturbanceReport;
          onReport(last);
        }
      }
    });
  });
  return {
    child,
    last: () => last,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

interface PhaseFigures {
  phase: PhaseName;
  /** How the phase ended: its fixed length (alone), the disturbance's intake complete, or the window. */
  ended: 'duration' | 'intake-complete' | 'window';
  durationS: number;
  settledBefore: boolean | null;
  realtime: LatencySummary & { sent: number; answered: number; failed: number; noResult: number; maxScheduleLagMs: number };
  /** Where the realtime requests' time went, per stage (see RealtimeStages). */
  stagesMs: Record<string, LatencySummary>;
  disturbance: null | { kind: string; count: number; sent: number; onLane: number; complete: boolean; note: string; answer?: string };
}

export async function runIsolationBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(ISOLATION_USAGE);
    return;
  }
  const options: IsolationOptions = parseIsolationOptions(argv);
  const loadBefore = os.loadavg();
  const started = new Date();
  const brokers = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
  say('starting the five Sluice services and the provider emulator (zero latency) on free ports');
  const h = await SluiceHarness.start({ name: 'bench-isolation', tap: false, bulkApart: true, readyTimeoutMs: READY_TIMEOUT_MS });
  const stamp = Date.now().toString(36);
  const realtimeRun = `iso${stamp}`;
  const tenant = randomTenant('bench-iso');
  let flight = new InFlight();
  let stages = new RealtimeStages();
  let sequence = 0;
  const results = await KeyedReader.open(quietKafka(brokers, `bench-isolation-${stamp}`), {
    groupId: randomGroupId('bench-isolation-results'),
    topics: [Topics.Results],
    fromEnd: true,
    keyPrefix: `${realtimeRun}-`,
    onMessage: (message) => {
      const at = now();
      const value = JSON.parse(message.value?.toString('utf8') ?? '{}') as { id?: string; status?: string; timings?: ResultTimings };
      if (value.id === undefined) return;
      const sentAt = flight.sentAt(value.id);
      if (flight.arrived(value.id, at, value.status === 'succeeded') !== undefined && sentAt !== undefined) stages.record(sentAt, value.timings, at);
    },
  });
  const send = async (measured: boolean): Promise<void> => {
    const id = `${realtimeRun}-${sequence++}`;
    const request = chatRequest(tenant, {
      id,
      outputTokens: options.outputTokens,
      extra: { deadline: new Date(Date.now() + options.deadlineS * 1000).toISOString() },
    });
    flight.sent(id, measured);
    await h.producer.send({ topic: Topics.Requests, acks: -1, messages: [{ key: id, value: JSON.stringify(request) }] });
  };

  const phases: PhaseFigures[] = [];
  try {
    say(`services ready (logs: ${h.runDir}); ${options.warmupS} s of warm-up at ${options.rate} req/s`);
    await runSteadyLoad({ ratePerSecond: options.rate, durationMs: options.warmupS * 1000, send: () => send(false) });
    await flight.drain(options.drainS * 1000);

    for (const phase of options.phases) {
      let settledBefore: boolean | null = null;
      if (phases.length > 0) {
        say(`waiting up to ${options.settleS} s for the run's consumer groups to catch up before the ${phase} phase`);
        settledBefore = await h.quiesce(options.settleS * 1000).then(
          () => true,
          () => false,
        );
        if (!settledBefore) say(`not caught up after ${options.settleS} s: the ${phase} phase starts with a backlog (settledBefore: false in the JSON)`);
      }
      flight = new InFlight();
      stages = new RealtimeStages();
      const count = phase === 'job' ? options.jobLines : options.bulkRequests;
      const abort = new AbortController();
      const windowMs = (phase === 'alone' ? options.aloneS : options.windowS) * 1000;
      const progress = new BenchProgress([
        { name: `${phase}: realtime requests sent`, total: Math.round((options.rate * windowMs) / 1000) },
        ...(phase === 'alone'
          ? []
          : [
              { name: `${phase}: ${phase === 'job' ? 'job lines uploaded' : `produced to ${Topics.RequestsBulk}`}`, total: count },
              { name: `${phase}: on ${Topics.LaneBatch}`, total: count },
            ]),
      ]);
      let disturbance: Disturbance | undefined;
      const runId = `${phase}${stamp}`;
      if (phase !== 'alone') {
        const disturbanceTenant = randomTenant(`bench-iso-${phase}`);
        const config: DisturbanceConfig = {
          mode: phase,
          brokers,
          count,
          runId,
          tenant: disturbanceTenant,
          ...(phase === 'job' ? { url: h.service('ingestion').url, apiKey: await h.ledger.issueApiKey(disturbanceTenant) } : {}),
        };
        disturbance = await startDisturbance(config, (report) => {
          progress.update(`${phase}: ${phase === 'job' ? 'job lines uploaded' : `produced to ${Topics.RequestsBulk}`}`, report.sent);
          progress.update(`${phase}: on ${Topics.LaneBatch}`, report.onLane);
          if (report.done) abort.abort();
        });
      }
      say(
        phase === 'alone'
          ? `alone: ${options.rate} req/s for ${options.aloneS} s`
          : `${phase}: ${options.rate} req/s while ${phase === 'job' ? `a ${count}-line job is uploaded with POST /v1/jobs` : `${count} requests are produced to ${Topics.RequestsBulk}`}, until they are all on ${Topics.LaneBatch} or ${options.windowS} s passed`,
      );
      const phaseStart = now();
      let sent = 0;
      const ticker = setInterval(() => progress.update(`${phase}: realtime requests sent`, sent), 500);
      let load: LoadOutcome;
      try {
        load = await runSteadyLoad({
          ratePerSecond: options.rate,
          durationMs: windowMs,
          signal: abort.signal,
          send: async () => {
            sent += 1;
            await send(true);
          },
        });
      } finally {
        clearInterval(ticker);
        progress.update(`${phase}: realtime requests sent`, sent);
        progress.stop();
      }
      const durationMs = now() - phaseStart;
      const last = disturbance?.last();
      await disturbance?.stop();
      const noResult = await flight.drain(options.drainS * 1000);
      const outcome =
        phase === 'alone'
          ? undefined
          : intakeOutcome(
              last,
              count,
              options.windowS,
              phase === 'job' ? { name: 'POST /v1/jobs' } : { name: Topics.RequestsBulk, topic: Topics.RequestsBulk },
            );
      const figures: PhaseFigures = {
        phase,
        ended: phase === 'alone' ? 'duration' : outcome?.complete ? 'intake-complete' : 'window',
        durationS: seconds(durationMs),
        settledBefore,
        realtime: {
          ...summarize(flight.latencies),
          sent: load.sent,
          answered: flight.latencies.length,
          failed: flight.failed + load.failed,
          noResult,
          maxScheduleLagMs: load.maxLagMs,
        },
        stagesMs: stages.split(),
        disturbance:
          outcome === undefined
            ? null
            : {
                kind: phase === 'job' ? 'POST /v1/jobs' : Topics.RequestsBulk,
                count,
                sent: last?.sent ?? 0,
                onLane: last?.onLane ?? 0,
                complete: outcome.complete,
                note: outcome.note,
                answer: last?.answer,
              },
      };
      phases.push(figures);
      say(
        `${phase}: ${figures.durationS} s, realtime p50 ${figures.realtime.p50Ms} ms / p99 ${figures.realtime.p99Ms} ms over ${figures.realtime.answered} answers; ` +
          `${figures.realtime.failed} failed, ${noResult} without a result${outcome === undefined ? '' : `; ${outcome.note}`}`,
      );
    }
  } finally {
    await results.stop().catch(() => undefined);
  }
  try {
    const alone = phases.find((phase) => phase.phase === 'alone');
    const ratios = Object.fromEntries(
      phases.filter((phase) => phase.phase !== 'alone').map((phase) => [phase.phase, p99Ratio(phase.realtime.p99Ms, alone?.realtime.p99Ms ?? null)]),
    );
    const report = {
      bench: 'isolation',
      date: started.toISOString(),
      finishedAt: new Date().toISOString(),
      config: options,
      method: {
        realtime:
          'open-loop realtime chat (mode realtime, deadline --deadline s after sending, emulator at zero latency) produced to sluice.requests.v1 with acks=all at --rate through every phase; latency = produce -> its result read off sluice.results.v1 by the measuring process; failed = a result that is not a success; no result = none within --drain s after the phase',
        job: "(a) a bulk job of --job-lines embedding lines (the trace excerpt's sizes, ids <run>-<line>) streamed as one POST /v1/jobs upload with deadline=48h",
        bulk: '(b) --bulk-requests embedding requests with 48 h deadlines produced as fast as one kafkajs producer can (acks=all, 100 a request, 8 in flight) to sluice.requests.bulk.v1',
        generators:
          'the job upload and the bulk producer run in a child process of their own (bench/isolation/disturbance.ts), which also counts their ids on sluice.lane.batch.v1; the measuring process only sends the realtime load and reads results, so a generator running flat out cannot delay its sends or reads',
        window:
          'a disturbed phase lasts until every disturbance id is on sluice.lane.batch.v1 (its intake complete) or --window s passed, whichever comes first; the generator is then stopped. Between phases the benchmark waits up to --settle s for every consumer group of the run to catch up (settledBefore)',
        ratio: 'p99 of the phase / p99 of the alone phase, same run; bar <= 1.5',
      },
      environment: benchEnvironment(loadBefore),
      phases,
      ratios,
      bar: {
        p99RatioAtMost: P99_BAR,
        met:
          Object.values(ratios).every((value) => value !== null && value <= P99_BAR) &&
          phases.every((phase) => phase.realtime.noResult === 0 && phase.realtime.failed === 0),
      },
    };
    mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    say(
      `p99 ratios against alone: ${Object.entries(ratios)
        .map(([phase, value]) => `${phase} ${value ?? '-'}`)
        .join(', ')} (bar <= ${P99_BAR}); written to ${relative(REPO_ROOT, RESULTS_FILE)}`,
    );
  } finally {
    await h.stop();
  }
}
