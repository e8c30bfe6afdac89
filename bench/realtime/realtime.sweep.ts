import { Topics } from '@sluice/contracts';
import { randomGroupId } from '@sluice/testing';
import OpenAI from 'openai';
import { CHAT_MODEL, SluiceHarness, chatRequest, promptText } from '../../test/e2e/support';
import { BenchProgress } from '../support/bench.progress';
import { KeyedReader, quietKafka } from '../support/keyed.reader';
import { InFlight, now } from './in-flight';
import { median, ratio, summarize, LatencySummary } from './latency.stats';
import type { RealtimeBenchOptions } from './realtime.options';
import { runSteadyLoad } from './steady.load';
import { SweepStep, backlogTrend, highestSustained, sustained } from './sweep.verdict';

const say = (line: string): void => console.log(`bench realtime: ${line}`);

export interface SweepStepFigures extends SweepStep, LatencySummary {
  answered: number;
  failed: number;
  verdict: string;
}

export interface SdkFigures {
  concurrency: number;
  roundS: number;
  perRoundPerSecond: number[];
  medianPerSecond: number | null;
  errors: number;
}

export interface SweepFigures {
  referenceRate: number;
  referenceP99Ms: number | null;
  steps: SweepStepFigures[];
  highestSustainedPerSecond: number | null;
  sdk: SdkFigures;
  ratio: number | null;
}

/**
 * The official SDK straight to the emulator, closed loop: `concurrency` callers each start the next
 * call as soon as the last one answered, for `seconds`; calls per second, one figure per round.
 */
async function sdkRate(baseURL: string, apiKey: string, options: RealtimeBenchOptions): Promise<SdkFigures> {
  const client = new OpenAI({ apiKey, baseURL, maxRetries: 0 });
  const call = (): Promise<unknown> =>
    client.chat.completions.create({ model: CHAT_MODEL, messages: [{ role: 'user', content: promptText({ outputTokens: options.outputTokens }) }] });
  let errors = 0;
  const round = async (seconds: number): Promise<number> => {
    const until = now() + seconds * 1000;
    let done = 0;
    await Promise.all(
      Array.from({ length: options.concurrency }, async () => {
        while (now() < until) {
          await call().then(
            () => (done += 1),
            () => (errors += 1),
          );
        }
      }),
    );
    return done / seconds;
  };
  await round(2);
  errors = 0;
  const perRound: number[] = [];
  for (let i = 0; i < options.sdkRounds; i += 1) perRound.push(Math.round(await round(options.sdkS)));
  return { concurrency: options.concurrency, roundS: options.sdkS, perRoundPerSecond: perRound, medianPerSecond: median(perRound), errors };
}

/**
 * Steps the steady rate up until a step is not sustained (sweep.verdict.ts): each step a warm-up,
 * then `stepS` measured seconds of open-loop realtime chat to sluice.requests.v1, latency produce →
 * result read off sluice.results.v1; the first rate's p99 is the reference. The SDK's closed-loop rate
 * against the same emulator is measured first, while Sluice is idle.
 */
export async function runSweep(h: SluiceHarness, options: RealtimeBenchOptions, tenant: string): Promise<SweepFigures> {
  say(`sweep: the OpenAI SDK straight to the emulator, ${options.concurrency} calls in flight, ${options.sdkRounds} rounds of ${options.sdkS} s`);
  const sdk = await sdkRate(`${h.service('provider-emulator').url}/v1`, `${h.providerKeys.openai}-sdk`, options);
  say(`sweep: SDK ${sdk.medianPerSecond} calls/s (rounds ${sdk.perRoundPerSecond.join(', ')}; ${sdk.errors} errors)`);

  const run = `sw${Date.now().toString(36)}`;
  let sequence = 0;
  let flight = new InFlight();
  const results = await KeyedReader.open(quietKafka(process.env.KAFKA_BROKERS || '127.0.0.1:9092', `bench-sweep-${run}`), {
    groupId: randomGroupId('bench-sweep-results'),
    topics: [Topics.Results],
    fromEnd: true,
    keyPrefix: `${run}-`,
    onMessage: (message) => {
      const at = now();
      const value = JSON.parse(message.value?.toString('utf8') ?? '{}') as { id?: string; status?: string };
      if (value.id !== undefined) flight.arrived(value.id, at, value.status === 'succeeded');
    },
  });
  const send = async (measured: boolean): Promise<void> => {
    const id = `${run}-${sequence++}`;
    flight.sent(id, measured);
    const request = chatRequest(tenant, { id, outputTokens: options.outputTokens });
    await h.producer.send({ topic: Topics.Requests, acks: -1, messages: [{ key: id, value: JSON.stringify(request) }] });
  };
  const steps: SweepStepFigures[] = [];
  let referenceP99Ms: number | null = null;
  try {
    for (const rate of options.sweepRates) {
      flight = new InFlight();
      say(`sweep: ${rate} req/s for ${options.stepS} s (+${options.warmupS} s warm-up)`);
      const progress = new BenchProgress([{ name: `${rate} req/s: answered`, total: Math.round(rate * (options.stepS + options.warmupS)) }]);
      const ticker = setInterval(() => progress.update(`${rate} req/s: answered`, sequence), 1_000);
      let load;
      try {
        await runSteadyLoad({ ratePerSecond: rate, durationMs: options.warmupS * 1000, send: () => send(false) });
        load = await runSteadyLoad({ ratePerSecond: rate, durationMs: options.stepS * 1000, send: () => send(true) });
      } finally {
        clearInterval(ticker);
        progress.stop();
      }
      const lost = await flight.drain(options.stepDrainS * 1000);
      const summary = summarize(flight.latencies);
      const stepFigures: SweepStepFigures = {
        ...summary,
        ratePerSecond: rate,
        sent: load.sent,
        answered: flight.latencies.length,
        lost,
        failed: flight.failed + load.failed,
        maxScheduleLagMs: load.maxLagMs,
        backlog: backlogTrend(flight.sentAts, flight.latencies),
        verdict: '',
      };
      referenceP99Ms ??= stepFigures.p99Ms;
      const verdict = sustained(stepFigures, referenceP99Ms);
      stepFigures.verdict = verdict.why;
      steps.push(stepFigures);
      say(`sweep: ${rate} req/s: p50 ${stepFigures.p50Ms} ms, p99 ${stepFigures.p99Ms} ms, ${lost} lost: ${verdict.why}`);
      if (!verdict.ok) break;
    }
  } finally {
    await results.stop();
  }
  const highest = highestSustained(steps, referenceP99Ms);
  return {
    referenceRate: options.sweepRates[0] as number,
    referenceP99Ms,
    steps,
    highestSustainedPerSecond: highest,
    sdk,
    ratio: ratio(highest, sdk.medianPerSecond),
  };
}
