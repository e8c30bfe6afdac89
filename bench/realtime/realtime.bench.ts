import { Topics } from '@sluice/contracts';
import { randomGroupId, randomTenant, waitFor } from '@sluice/testing';
import { Producer } from 'kafkajs';
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { benchEnvironment } from '../bench.environment';
import { CHAT_MODEL, SluiceHarness, TappedMessage, TopicTap, chatRequest, newRequestId, promptText } from '../../test/e2e/support';
import { cpuMark, cpuSince } from '../support/process.cpu';
import { InFlight, now } from './in-flight';
import { LatencySummary, median, ratio, summarize } from './latency.stats';
import { REALTIME_USAGE, RealtimeBenchOptions, parseRealtimeOptions } from './realtime.options';
import { startRawChain } from './raw.chain';
import { SweepFigures, runSweep } from './realtime.sweep';
import { LoadOutcome, runSteadyLoad } from './steady.load';

const RESULTS_FILE = join(__dirname, '..', 'results', 'realtime.json');
/** requests → accepted → lane → results: three consume→produce hops, then the reader's consume. */
const SLUICE_HOPS = 3;
// A saturated phase leaves a queue behind; it must be gone before the next phase starts.
const DRAIN_TIMEOUT_MS = 180_000;

/** A machine shared with other work can take minutes to start six Node processes. */
const READY_TIMEOUT_MS = 600_000;
const say = (line: string): void => console.log(`bench realtime: ${line}`);

interface PhaseOutcome {
  latencies: number[];
  lost: number;
  load: LoadOutcome;
}

async function runPhase(
  options: RealtimeBenchOptions,
  rate: number,
  durationS: number,
  flight: InFlight,
  send: (id: string, measured: boolean) => Promise<void>,
): Promise<PhaseOutcome> {
  await runSteadyLoad({ ratePerSecond: rate, durationMs: options.warmupS * 1000, send: () => send(newRequestId('warm'), false) });
  const before = flight.latencies.length;
  const load = await runSteadyLoad({ ratePerSecond: rate, durationMs: durationS * 1000, send: () => send(newRequestId('b'), true) });
  const lost = await flight.drain(DRAIN_TIMEOUT_MS);
  return { latencies: flight.latencies.slice(before), lost, load };
}

/** The provider's own time as the worker sees it: the official SDK against the same emulator, one call at a time. */
async function providerCallMs(
  baseURL: string,
  apiKey: string,
  outputTokens: number,
  samples: number,
  stream: boolean,
): Promise<{ lastMs: number[]; firstMs: number[] }> {
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 0 });
  const lastMs: number[] = [];
  const firstMs: number[] = [];
  for (let i = 0; i < samples + 2; i += 1) {
    const messages = [{ role: 'user' as const, content: promptText({ outputTokens }) }];
    const started = now();
    let first: number | undefined;
    if (stream) {
      const chunks = await client.chat.completions.create({ model: CHAT_MODEL, messages, stream: true });
      for await (const chunk of chunks) if (first === undefined && chunk.choices[0]?.delta?.content) first = now();
    } else {
      await client.chat.completions.create({ model: CHAT_MODEL, messages });
    }
    // The first two warm the connection and the emulator's code paths.
    if (i >= 2) {
      lastMs.push(now() - started);
      firstMs.push((first ?? now()) - started);
    }
  }
  return { lastMs, firstMs };
}

interface OverheadFigures {
  ratePerSecond: number;
  sluice: LatencySummary & { lost: number; sent: number; maxScheduleLagMs: number };
  sluiceReplyTo: LatencySummary;
  providerMedianMs: number | null;
  sluiceMinusProvider: LatencySummary;
  baseline: LatencySummary & { lost: number; sent: number; hops: number };
  ratio: { p50: number | null; p99: number | null };
  sluiceStagesMedianMs: Record<string, number | null>;
  /** CPU time per request answered, per service process, over the Sluice rounds (warm-ups included): where the time goes. */
  sluiceCpuMsPerRequest: Record<string, number>;
  rounds: Array<{ round: number; baselineP50Ms: number | null; sluiceP50Ms: number | null; baselineP99Ms: number | null; sluiceP99Ms: number | null }>;
}

async function measureOverhead(h: SluiceHarness, options: RealtimeBenchOptions, rate: number, producer: Producer, tenant: string): Promise<OverheadFigures> {
  const brokers = process.env.KAFKA_BROKERS || '127.0.0.1:9092';
  const replyTo = await h.createTopic('bench-reply', 6);
  const sluiceFlight = new InFlight();
  const replyFlight = new InFlight();
  const baselineFlight = new InFlight();
  const stages: Record<string, number[]> = { producedToReceived: [], receivedToRouted: [], routedToCompleted: [], completedToConsumed: [] };
  const sentWall = new Map<string, number>();

  const results = await TopicTap.open(h.kafka, {
    groupId: randomGroupId('bench-results'),
    topics: [Topics.Results],
    fromEnd: true,
    keep: false,
    onMessage: (message: TappedMessage) => {
      const at = now();
      const value = message.value as { id?: string; tenant?: string; timings?: { receivedAt: string; routedAt?: string; completedAt: string } } | undefined;
      if (value?.tenant !== tenant || value.id === undefined) return;
      const latency = sluiceFlight.arrived(value.id, at);
      const sent = sentWall.get(value.id);
      if (latency === undefined || sent === undefined || value.timings === undefined || !value.id.startsWith('b-')) return;
      const received = Date.parse(value.timings.receivedAt);
      const routed = value.timings.routedAt === undefined ? undefined : Date.parse(value.timings.routedAt);
      const completed = Date.parse(value.timings.completedAt);
      stages.producedToReceived?.push(received - sent);
      if (routed !== undefined) {
        stages.receivedToRouted?.push(routed - received);
        stages.routedToCompleted?.push(completed - routed);
      }
      stages.completedToConsumed?.push(at - completed);
    },
  });
  const replies = await TopicTap.open(h.kafka, {
    groupId: randomGroupId('bench-replies'),
    topics: [replyTo],
    fromEnd: false,
    keep: false,
    onMessage: (message) => {
      const id = (message.value as { id?: string } | undefined)?.id;
      if (id !== undefined) replyFlight.arrived(id, now());
    },
  });
  const chain = await startRawChain(h.kafka, brokers, {
    hops: SLUICE_HOPS,
    partitions: 6,
    onArrive: (message) => {
      if (message.key !== undefined) baselineFlight.arrived(message.key, now());
    },
  });

  const sendSluice = async (id: string, measured: boolean): Promise<void> => {
    const request = chatRequest(tenant, { id, outputTokens: options.outputTokens, extra: { replyTo } });
    const sentAt = sluiceFlight.sent(id, measured);
    replyFlight.sent(id, measured);
    sentWall.set(id, sentAt);
    await producer.send({ topic: Topics.Requests, acks: -1, messages: [{ key: id, value: JSON.stringify(request) }] });
  };
  const sendBaseline = async (id: string, measured: boolean): Promise<void> => {
    // The same bytes Sluice gets, so both carry the same payload.
    const value = JSON.stringify(chatRequest(tenant, { id, outputTokens: options.outputTokens, extra: { replyTo } }));
    baselineFlight.sent(id, measured);
    await chain.send(id, value);
  };

  const perRoundS = options.durationS / options.rounds;
  const all = { sluice: [] as number[], reply: [] as number[], baseline: [] as number[] };
  const totals = { sluiceLost: 0, sluiceSent: 0, baselineLost: 0, baselineSent: 0, lag: 0 };
  const cpuMs = new Map<string, number>();
  let cpuRequests = 0;
  const rounds: OverheadFigures['rounds'] = [];
  try {
    for (let round = 1; round <= options.rounds; round += 1) {
      say(`${rate} req/s, round ${round}/${options.rounds}: raw kafkajs chain for ${perRoundS} s (+${options.warmupS} s warm-up)`);
      const baseline = await runPhase(options, rate, perRoundS, baselineFlight, sendBaseline);
      say(`${rate} req/s, round ${round}/${options.rounds}: Sluice for ${perRoundS} s (+${options.warmupS} s warm-up)`);
      const replyBefore = replyFlight.latencies.length;
      const cpuStart = cpuMark(h.services.values());
      const sluice = await runPhase(options, rate, perRoundS, sluiceFlight, sendSluice);
      await replyFlight.drain();
      for (const [id, ms] of cpuSince(cpuStart)) cpuMs.set(id, (cpuMs.get(id) ?? 0) + ms);
      cpuRequests += sluice.load.sent + Math.round(rate * options.warmupS);
      all.baseline.push(...baseline.latencies);
      all.sluice.push(...sluice.latencies);
      all.reply.push(...replyFlight.latencies.slice(replyBefore));
      totals.baselineLost += baseline.lost;
      totals.baselineSent += baseline.load.sent;
      totals.sluiceLost += sluice.lost;
      totals.sluiceSent += sluice.load.sent;
      totals.lag = Math.max(totals.lag, sluice.load.maxLagMs, baseline.load.maxLagMs);
      const b = summarize(baseline.latencies);
      const s = summarize(sluice.latencies);
      rounds.push({ round, baselineP50Ms: b.p50Ms, sluiceP50Ms: s.p50Ms, baselineP99Ms: b.p99Ms, sluiceP99Ms: s.p99Ms });
      say(`${rate} req/s, round ${round}: baseline p50 ${b.p50Ms} ms p99 ${b.p99Ms} ms; Sluice p50 ${s.p50Ms} ms p99 ${s.p99Ms} ms (lost ${sluice.lost})`);
    }
  } finally {
    await chain.stop();
    await results.stop();
    await replies.stop();
  }

  say('provider time: the SDK straight to the emulator, one call at a time');
  const provider = await providerCallMs(`${h.service('provider-emulator').url}/v1`, `${h.providerKeys.openai}-direct`, options.outputTokens, 30, false);
  const providerMedianMs = median(provider.lastMs);
  const overhead = all.sluice.map((latency) => latency - (providerMedianMs ?? 0));
  const sluice = summarize(all.sluice);
  const minusProvider = summarize(overhead);
  const baseline = summarize(all.baseline);
  say(
    `${rate} req/s: overhead p50 ${minusProvider.p50Ms} ms / p99 ${minusProvider.p99Ms} ms vs raw kafkajs ${SLUICE_HOPS}-hop chain p50 ${baseline.p50Ms} ms / p99 ${baseline.p99Ms} ms -> ratio ${ratio(minusProvider.p50Ms, baseline.p50Ms)} / ${ratio(minusProvider.p99Ms, baseline.p99Ms)}`,
  );
  return {
    ratePerSecond: rate,
    sluice: { ...sluice, lost: totals.sluiceLost, sent: totals.sluiceSent, maxScheduleLagMs: totals.lag },
    sluiceReplyTo: summarize(all.reply),
    providerMedianMs,
    sluiceMinusProvider: minusProvider,
    baseline: { ...baseline, lost: totals.baselineLost, sent: totals.baselineSent, hops: SLUICE_HOPS },
    ratio: { p50: ratio(minusProvider.p50Ms, baseline.p50Ms), p99: ratio(minusProvider.p99Ms, baseline.p99Ms) },
    sluiceStagesMedianMs: Object.fromEntries(Object.entries(stages).map(([stage, samples]) => [stage, median(samples)])),
    sluiceCpuMsPerRequest: Object.fromEntries([...cpuMs].map(([id, ms]) => [id, Math.round((ms / Math.max(1, cpuRequests)) * 100) / 100])),
    rounds,
  };
}

interface StreamingCell {
  tokens: number;
  providerExpectedMs: number;
  blocking: { timeToResultMedianMs: number | null; samples: number };
  streaming: { timeToFirstChunkMedianMs: number | null; timeToLastChunkMedianMs: number | null; timeToResultMedianMs: number | null; samples: number };
  providerDirect: { nonStreamingMedianMs: number | null; streamFirstTokenMedianMs: number | null; streamLastTokenMedianMs: number | null };
}

async function compareStreaming(h: SluiceHarness, options: RealtimeBenchOptions, producer: Producer, tenant: string): Promise<StreamingCell[]> {
  const seen = new Map<string, { first?: number; last?: number; result?: number }>();
  const tap = await TopicTap.open(h.kafka, {
    groupId: randomGroupId('bench-stream'),
    topics: [Topics.Results, Topics.Stream],
    fromEnd: true,
    keep: false,
    onMessage: (message) => {
      const at = now();
      const value = message.value as { id?: string; requestId?: string; tenant?: string; final?: boolean; delta?: string } | undefined;
      if (value?.tenant !== tenant) return;
      const id = message.topic === Topics.Stream ? value.requestId : value.id;
      const entry = id === undefined ? undefined : seen.get(id);
      if (entry === undefined) return;
      if (message.topic === Topics.Results) entry.result = at;
      else {
        if (entry.first === undefined && value.delta) entry.first = at;
        if (value.final) entry.last = at;
      }
    },
  });
  await h.emulator.setProfile(CHAT_MODEL, { latency: { ttftMs: options.ttftMs, tokensPerSecond: options.tokensPerSecond } });
  const cells: StreamingCell[] = [];
  try {
    for (const tokens of [options.shortTokens, options.longTokens]) {
      const blocking: number[] = [];
      const first: number[] = [];
      const last: number[] = [];
      const streamedResult: number[] = [];
      for (let i = 0; i < options.streamSamples; i += 1) {
        for (const stream of [false, true]) {
          const id = newRequestId(stream ? 'stream' : 'block');
          const entry: { first?: number; last?: number; result?: number } = {};
          seen.set(id, entry);
          const sentAt = now();
          await producer.send({
            topic: Topics.Requests,
            acks: -1,
            messages: [{ key: id, value: JSON.stringify(chatRequest(tenant, { id, outputTokens: tokens, extra: { stream } })) }],
          });
          await waitFor(() => entry.result !== undefined && (!stream || entry.last !== undefined), {
            timeoutMs: 60_000,
            intervalMs: 5,
            description: `the answer to ${id}`,
          });
          if (stream) {
            first.push((entry.first ?? Number.NaN) - sentAt);
            last.push((entry.last ?? Number.NaN) - sentAt);
            streamedResult.push((entry.result ?? Number.NaN) - sentAt);
          } else {
            blocking.push((entry.result ?? Number.NaN) - sentAt);
          }
        }
      }
      const baseURL = `${h.service('provider-emulator').url}/v1`;
      const direct = await providerCallMs(baseURL, `${h.providerKeys.openai}-direct`, tokens, 5, false);
      const directStream = await providerCallMs(baseURL, `${h.providerKeys.openai}-direct`, tokens, 5, true);
      const cell: StreamingCell = {
        tokens,
        providerExpectedMs: options.ttftMs + Math.round((tokens / options.tokensPerSecond) * 1000),
        blocking: { timeToResultMedianMs: median(blocking), samples: blocking.length },
        streaming: {
          timeToFirstChunkMedianMs: median(first),
          timeToLastChunkMedianMs: median(last),
          timeToResultMedianMs: median(streamedResult),
          samples: last.length,
        },
        providerDirect: {
          nonStreamingMedianMs: median(direct.lastMs),
          streamFirstTokenMedianMs: median(directStream.firstMs),
          streamLastTokenMedianMs: median(directStream.lastMs),
        },
      };
      say(
        `${tokens} tokens: blocking ${cell.blocking.timeToResultMedianMs} ms to the result; streaming first chunk ${cell.streaming.timeToFirstChunkMedianMs} ms, last chunk ${cell.streaming.timeToLastChunkMedianMs} ms (provider alone ${cell.providerExpectedMs} ms by profile)`,
      );
      cells.push(cell);
    }
  } finally {
    await h.emulator.removeProfile(CHAT_MODEL);
    await tap.stop();
  }
  return cells;
}

export async function runRealtimeBench(argv: readonly string[]): Promise<void> {
  if (argv.includes('--help')) {
    console.log(REALTIME_USAGE);
    return;
  }
  const options = parseRealtimeOptions(argv);
  const loadBefore = os.loadavg();
  const started = new Date();
  say('starting the five Sluice services and the provider emulator (zero latency) on free ports');
  const h = await SluiceHarness.start({ name: 'bench-realtime', tap: false, bulkApart: true, readyTimeoutMs: READY_TIMEOUT_MS });
  try {
    const tenant = randomTenant('bench');
    say(`services ready (logs: ${h.runDir}); tenant ${tenant}`);
    const overhead: OverheadFigures[] = [];
    for (const rate of options.rates) overhead.push(await measureOverhead(h, options, rate, h.producer, tenant));
    const sweep: SweepFigures | undefined = options.sweep ? await runSweep(h, options, tenant) : undefined;
    const streaming = options.skipStreaming ? undefined : await compareStreaming(h, options, h.producer, tenant);
    const report = {
      bench: 'realtime',
      date: started.toISOString(),
      finishedAt: new Date().toISOString(),
      config: options,
      method: {
        overhead:
          "open-loop load at a fixed rate; latency = produce to sluice.requests.v1 -> result read from sluice.results.v1 (and from the request's replyTo), by one kafkajs consumer in the benchmark process; minus the provider's own time = the median of SDK calls straight to the same zero-latency emulator",
        baseline: `${SLUICE_HOPS} plain kafkajs consume->produce forwarders (one process, acks=all, one send per message) on random topics with the same partition count, same payload, same rate, same broker, alternating rounds with Sluice`,
        ratio: '(Sluice latency - provider median) / baseline latency, at p50 and p99',
        streaming:
          'one request at a time, blocking (stream:false, time to the result on sluice.results.v1) alternating with streaming (stream:true, time to the first and the final chunk on sluice.stream.v1), with the emulator at the given TTFT and token rate',
        sweep:
          "after the overhead phases: the OpenAI SDK straight to the same zero-latency emulator, closed loop with --concurrency calls in flight (the worker's WORKER_MAX_CONCURRENCY), median of --sdk-rounds rounds; then open-loop steps at --sweep-rates, each --warmup s unmeasured and --step s measured (produce -> result read off sluice.results.v1), until a step is not sustained: an answer missing after --step-drain s, p99 not under 2x the first step's, the median of the last third of the step over twice the first third's (and 100 ms more), or the generator over 1 s behind its schedule. Ratio = highest sustained rate / SDK rate; bar >= 0.5",
      },
      environment: benchEnvironment(loadBefore),
      overhead,
      bars: {
        overheadAt50:
          overhead
            .filter((entry) => entry.ratePerSecond === 50)
            .map((entry) => ({
              p50Ratio: entry.ratio.p50,
              p50AtMost: 1.5,
              p99Ratio: entry.ratio.p99,
              p99AtMost: 2,
              met: entry.ratio.p50 !== null && entry.ratio.p99 !== null && entry.ratio.p50 <= 1.5 && entry.ratio.p99 <= 2,
            }))[0] ?? null,
        sweep: sweep === undefined ? null : { ratio: sweep.ratio, atLeast: 0.5, met: sweep.ratio !== null && sweep.ratio >= 0.5 },
      },
      sweep: sweep ?? null,
      streaming: streaming === undefined ? null : { profile: { ttftMs: options.ttftMs, tokensPerSecond: options.tokensPerSecond }, cells: streaming },
    };
    mkdirSync(join(__dirname, '..', 'results'), { recursive: true });
    writeFileSync(RESULTS_FILE, `${JSON.stringify(report, null, 2)}\n`);
    if (sweep !== undefined) {
      say(
        `sweep: highest sustained ${sweep.highestSustainedPerSecond ?? '-'} req/s against the SDK's ${sweep.sdk.medianPerSecond ?? '-'} calls/s: ratio ${sweep.ratio ?? '-'} (bar >= 0.5)`,
      );
    }
    say(`written to ${RESULTS_FILE}`);
  } finally {
    await h.stop();
  }
}
