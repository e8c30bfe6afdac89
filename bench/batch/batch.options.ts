export interface BatchBenchOptions {
  /** Embedding requests put on the batch lane. */
  requests: number;
  /** Embedding width asked of the emulator: small, so a million answers stay a few hundred megabytes. */
  dimensions: number;
  /** The aggregator's window age: long enough that windows close on the provider's request limit. */
  windowAgeS: number;
  /** Lane messages per produce request. */
  produceChunk: number;
  /** How long to wait for the last result after the last request was produced. */
  waitS: number;
}

export const DEFAULT_BATCH_OPTIONS: BatchBenchOptions = { requests: 1_000_000, dimensions: 8, windowAgeS: 120, produceChunk: 2_000, waitS: 3_600 };

export const BATCH_USAGE = `npm run bench -- batch [options]
  --requests <n>       embedding requests on the batch lane (default ${DEFAULT_BATCH_OPTIONS.requests})
  --dimensions <n>     embedding width the emulator answers with (default ${DEFAULT_BATCH_OPTIONS.dimensions})
  --window-age <s>     the aggregator's BATCH_WINDOW_MAX_AGE_MS, in seconds (default ${DEFAULT_BATCH_OPTIONS.windowAgeS})
  --produce-chunk <n>  lane messages per produce request (default ${DEFAULT_BATCH_OPTIONS.produceChunk})
  --wait <s>           how long to wait for the last result (default ${DEFAULT_BATCH_OPTIONS.waitS})`;

const FLAGS: Record<string, keyof BatchBenchOptions> = {
  '--requests': 'requests',
  '--dimensions': 'dimensions',
  '--window-age': 'windowAgeS',
  '--produce-chunk': 'produceChunk',
  '--wait': 'waitS',
};

export function parseBatchOptions(argv: readonly string[]): BatchBenchOptions {
  const options: BatchBenchOptions = { ...DEFAULT_BATCH_OPTIONS };
  for (let i = 0; i < argv.length; i += 1) {
    const flag = argv[i] as string;
    const key = FLAGS[flag];
    if (key === undefined) throw new Error(`unknown option ${flag}\n${BATCH_USAGE}`);
    const value = Number(argv[i + 1]);
    if (!Number.isInteger(value) || value < 1) throw new Error(`${flag} needs a positive integer, got ${String(argv[i + 1])}`);
    options[key] = value;
    i += 1;
  }
  return options;
}

/** The fewest batches the provider's limits allow for this many requests, inputs and bytes. */
export function minimumBatches(
  load: { requests: number; inputs: number; bytes: number },
  limits: { maxRequests: number; maxEmbeddingInputs: number | null; maxBytes: number },
): number {
  return Math.max(
    Math.ceil(load.requests / limits.maxRequests),
    limits.maxEmbeddingInputs === null ? 0 : Math.ceil(load.inputs / limits.maxEmbeddingInputs),
    Math.ceil(load.bytes / limits.maxBytes),
  );
}
