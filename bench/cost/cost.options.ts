import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { UsageError } from '../replay/replay.options';

export interface CostBenchOptions {
  /** Rows replayed from the start of the trace; undefined: all of them. */
  requests: number | undefined;
  speed: number;
  seed: number;
  /** Batch time runs this many times faster on the emulator than at the providers (1440: a day in a minute). */
  compression: number;
  /** Shortest deadline drawn, in seconds of the run (the longest is a compressed day). */
  minDeadlineS: number;
  /** Seconds between two probes of each model's batch and async lanes. */
  probeEveryS: number;
  /** Seconds to wait for results after the last request was sent. */
  waitS: number;
  /** A trace folder: the shipped excerpt by default, or the full dataset. */
  traceDir: string | undefined;
}

/** 600 rows of the excerpt at twice the trace's pace (about a minute of sending), a day compressed into a minute. */
export const DEFAULT_COST_OPTIONS: CostBenchOptions = {
  requests: 600,
  speed: 2,
  seed: 1,
  compression: 1440,
  minDeadlineS: 3,
  probeEveryS: 4,
  waitS: 120,
  traceDir: undefined,
};

export const COST_USAGE = `npm run bench -- cost [options]
  --requests <n>       rows replayed from the start of the trace, 0 for all (default ${DEFAULT_COST_OPTIONS.requests})
  --speed <x>          trace time runs x times faster (default ${DEFAULT_COST_OPTIONS.speed})
  --seed <n>           seed of each row's model and deadline (default ${DEFAULT_COST_OPTIONS.seed})
  --compression <x>    the emulator's batch clock runs x times faster than the providers'; deadlines reach a
                       compressed day (default ${DEFAULT_COST_OPTIONS.compression}: a day in ${86_400 / DEFAULT_COST_OPTIONS.compression} s)
  --min-deadline <s>   shortest deadline drawn (default ${DEFAULT_COST_OPTIONS.minDeadlineS})
  --probe-every <s>    seconds between probes of each model's batch and async lanes (default ${DEFAULT_COST_OPTIONS.probeEveryS})
  --wait <s>           seconds to wait for results after the last request is sent (default ${DEFAULT_COST_OPTIONS.waitS})
  --trace <dir>        trace folder (default: the shipped excerpt, bench/data/azure-llm-trace-2023-excerpt)`;

function positive(flag: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new UsageError(`--${flag} needs a positive number, got "${text}"`);
  return value;
}

export function parseCostOptions(argv: readonly string[]): CostBenchOptions {
  let values: Record<string, string | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: Object.fromEntries(
        ['requests', 'speed', 'seed', 'compression', 'min-deadline', 'probe-every', 'wait', 'trace'].map((name) => [name, { type: 'string' as const }]),
      ),
      strict: true,
      allowPositionals: false,
    }) as { values: Record<string, string | undefined> });
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${COST_USAGE}`);
  }
  const d = DEFAULT_COST_OPTIONS;
  const requests = values.requests === undefined ? d.requests : Number(values.requests);
  if (requests !== undefined && !(Number.isSafeInteger(requests) && requests >= 0))
    throw new UsageError(`--requests needs a whole number >= 0, got "${values.requests}"`);
  const seed = values.seed === undefined ? d.seed : Number(values.seed);
  if (!(Number.isSafeInteger(seed) && seed >= 0)) throw new UsageError(`--seed needs a whole number >= 0, got "${values.seed}"`);
  const compression = positive('compression', values.compression, d.compression);
  if (compression < 1) throw new UsageError(`--compression needs a number >= 1, got "${values.compression}"`);
  const options: CostBenchOptions = {
    requests: requests === 0 ? undefined : requests,
    speed: positive('speed', values.speed, d.speed),
    seed,
    compression,
    minDeadlineS: positive('min-deadline', values['min-deadline'], d.minDeadlineS),
    probeEveryS: positive('probe-every', values['probe-every'], d.probeEveryS),
    waitS: positive('wait', values.wait, d.waitS),
    traceDir: values.trace === undefined ? undefined : resolve(values.trace),
  };
  if (options.minDeadlineS * 1000 >= 86_400_000 / compression)
    throw new UsageError(`--min-deadline (${options.minDeadlineS} s) must be under a compressed day (${86_400 / compression} s)`);
  return options;
}
