import { FlagSpec, positiveInt, positiveList, positiveNumber, readFlags } from '../support/bench.args';

export interface RealtimeBenchOptions {
  /** Requests per second offered to each system (open loop); several rates are measured one after another. */
  rates: number[];
  /** Seconds measured per system, split evenly over the rounds. */
  durationS: number;
  /** Seconds of load before each measured phase, not counted. */
  warmupS: number;
  /** Baseline and Sluice phases alternate this many times, so load from other work falls on both. */
  rounds: number;
  /** Output tokens of each overhead request (the emulator answers at once: zero latency). */
  outputTokens: number;
  /** Requests per cell of the streaming comparison (size × streaming/blocking). */
  streamSamples: number;
  shortTokens: number;
  longTokens: number;
  /** The emulator's latency profile for the streaming comparison. */
  ttftMs: number;
  tokensPerSecond: number;
  skipStreaming: boolean;
  /** Step the rate up (sweepRates) and find the highest one Sluice sustains; beside it the SDK straight to the emulator. */
  sweep: boolean;
  /** The first is the reference whose p99 the others are held to (2x). */
  sweepRates: number[];
  /** Measured seconds per sweep step (after the warm-up). */
  stepS: number;
  /** How long a sweep step's last answers may take before they count as lost. */
  stepDrainS: number;
  /** Calls in flight for the SDK baseline: the realtime-worker's WORKER_MAX_CONCURRENCY. */
  concurrency: number;
  /** Seconds per SDK round, and rounds (the median counts). */
  sdkS: number;
  sdkRounds: number;
}

export const DEFAULT_OPTIONS: RealtimeBenchOptions = {
  rates: [50],
  durationS: 30,
  warmupS: 5,
  rounds: 2,
  outputTokens: 16,
  streamSamples: 10,
  shortTokens: 20,
  longTokens: 500,
  ttftMs: 20,
  tokensPerSecond: 200,
  skipStreaming: false,
  sweep: false,
  sweepRates: [50, 100, 200, 400, 800, 1600, 3200],
  stepS: 20,
  stepDrainS: 60,
  concurrency: 32,
  sdkS: 10,
  sdkRounds: 3,
};

const d = DEFAULT_OPTIONS;

export const REALTIME_USAGE = `npm run bench -- realtime [options]
  --rate <req/s>[,...]    offered load per system; a list measures each rate in turn (default ${d.rates.join(',')})
  --duration <s>          measured seconds per system, over all rounds (default ${d.durationS})
  --warmup <s>            unmeasured load before each phase (default ${d.warmupS})
  --rounds <n>            alternating baseline/Sluice rounds (default ${d.rounds})
  --output-tokens <n>     reply size of the overhead requests (default ${d.outputTokens})
  --stream-samples <n>    requests per streaming-comparison cell (default ${d.streamSamples})
  --short-tokens <n>, --long-tokens <n>   output sizes compared (default ${d.shortTokens}, ${d.longTokens})
  --ttft <ms>, --tps <tokens/s>           emulator latency for the comparison (default ${d.ttftMs}, ${d.tokensPerSecond})
  --skip-streaming        only the overhead part
  --sweep                 also step the rate up and find the highest Sluice sustains, beside the OpenAI SDK's own rate
  --sweep-rates <list>    the steps; the first is the reference (default ${d.sweepRates.join(',')})
  --step <s>              measured seconds per step (default ${d.stepS})
  --step-drain <s>        how long a step's last answers may take (default ${d.stepDrainS})
  --concurrency <n>       SDK calls in flight: the worker's WORKER_MAX_CONCURRENCY (default ${d.concurrency})
  --sdk <s>, --sdk-rounds <n>   length and number of the SDK rounds (default ${d.sdkS}, ${d.sdkRounds})`;

const SPEC: FlagSpec = {
  rate: { type: 'string' },
  duration: { type: 'string' },
  warmup: { type: 'string' },
  rounds: { type: 'string' },
  'output-tokens': { type: 'string' },
  'stream-samples': { type: 'string' },
  'short-tokens': { type: 'string' },
  'long-tokens': { type: 'string' },
  ttft: { type: 'string' },
  tps: { type: 'string' },
  'skip-streaming': { type: 'boolean' },
  sweep: { type: 'boolean' },
  'sweep-rates': { type: 'string' },
  step: { type: 'string' },
  'step-drain': { type: 'string' },
  concurrency: { type: 'string' },
  sdk: { type: 'string' },
  'sdk-rounds': { type: 'string' },
};

export function parseRealtimeOptions(argv: readonly string[]): RealtimeBenchOptions {
  const values = readFlags(argv, SPEC, REALTIME_USAGE);
  return {
    rates: positiveList(values, 'rate', d.rates),
    durationS: positiveNumber(values, 'duration', d.durationS),
    warmupS: positiveNumber(values, 'warmup', d.warmupS),
    rounds: positiveInt(values, 'rounds', d.rounds),
    outputTokens: positiveInt(values, 'output-tokens', d.outputTokens),
    streamSamples: positiveInt(values, 'stream-samples', d.streamSamples),
    shortTokens: positiveInt(values, 'short-tokens', d.shortTokens),
    longTokens: positiveInt(values, 'long-tokens', d.longTokens),
    ttftMs: positiveNumber(values, 'ttft', d.ttftMs),
    tokensPerSecond: positiveNumber(values, 'tps', d.tokensPerSecond),
    skipStreaming: values['skip-streaming'] === true,
    sweep: values.sweep === true,
    sweepRates: positiveList(values, 'sweep-rates', d.sweepRates),
    stepS: positiveNumber(values, 'step', d.stepS),
    stepDrainS: positiveNumber(values, 'step-drain', d.stepDrainS),
    concurrency: positiveInt(values, 'concurrency', d.concurrency),
    sdkS: positiveNumber(values, 'sdk', d.sdkS),
    sdkRounds: positiveInt(values, 'sdk-rounds', d.sdkRounds),
  };
}
