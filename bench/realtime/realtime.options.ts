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
};

const NUMERIC: Record<string, keyof RealtimeBenchOptions> = {
  '--duration': 'durationS',
  '--warmup': 'warmupS',
  '--rounds': 'rounds',
  '--output-tokens': 'outputTokens',
  '--stream-samples': 'streamSamples',
  '--short-tokens': 'shortTokens',
  '--long-tokens': 'longTokens',
  '--ttft': 'ttftMs',
  '--tps': 'tokensPerSecond',
};

export const REALTIME_USAGE = `npm run bench -- realtime [options]
  --rate <req/s>[,...]    offered load per system; a list measures each rate in turn (default ${DEFAULT_OPTIONS.rates.join(',')})
  --duration <s>          measured seconds per system, over all rounds (default ${DEFAULT_OPTIONS.durationS})
  --warmup <s>            unmeasured load before each phase (default ${DEFAULT_OPTIONS.warmupS})
  --rounds <n>            alternating baseline/Sluice rounds (default ${DEFAULT_OPTIONS.rounds})
  --output-tokens <n>     reply size of the overhead requests (default ${DEFAULT_OPTIONS.outputTokens})
  --stream-samples <n>    requests per streaming-comparison cell (default ${DEFAULT_OPTIONS.streamSamples})
  --short-tokens <n>, --long-tokens <n>   output sizes compared (default ${DEFAULT_OPTIONS.shortTokens}, ${DEFAULT_OPTIONS.longTokens})
  --ttft <ms>, --tps <tokens/s>           emulator latency for the comparison (default ${DEFAULT_OPTIONS.ttftMs}, ${DEFAULT_OPTIONS.tokensPerSecond})
  --skip-streaming        only the overhead part`;

export function parseRealtimeOptions(argv: readonly string[]): RealtimeBenchOptions {
  const options: RealtimeBenchOptions = { ...DEFAULT_OPTIONS };
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === '--skip-streaming') {
      options.skipStreaming = true;
      continue;
    }
    if (arg === '--rate') {
      const rates = (argv[i + 1] ?? '').split(',').map(Number);
      if (rates.length === 0 || rates.some((rate) => !Number.isFinite(rate) || rate <= 0)) {
        throw new Error(`--rate needs positive numbers separated by commas, got "${argv[i + 1] ?? ''}"`);
      }
      options.rates = rates;
      i += 1;
      continue;
    }
    const key = NUMERIC[arg];
    if (key === undefined) throw new Error(`unknown option ${arg}\n${REALTIME_USAGE}`);
    const value = Number(argv[i + 1]);
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${arg} needs a positive number, got "${argv[i + 1] ?? ''}"`);
    (options[key] as number) = value;
    i += 1;
  }
  for (const key of ['rounds', 'outputTokens', 'streamSamples', 'shortTokens', 'longTokens'] as const) {
    if (!Number.isInteger(options[key])) throw new Error(`${key} must be a whole number`);
  }
  return options;
}
