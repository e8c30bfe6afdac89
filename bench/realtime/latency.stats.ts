/** The q-quantile (0..1) of the samples, nearest-rank; undefined for no samples. */
export function quantile(samples: readonly number[], q: number): number | undefined {
  if (samples.length === 0) return undefined;
  const sorted = [...samples].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export interface LatencySummary {
  samples: number;
  p50Ms: number | null;
  p90Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
}

function rounded(value: number | undefined): number | null {
  return value === undefined ? null : Math.round(value * 100) / 100;
}

export function summarize(samples: readonly number[]): LatencySummary {
  return {
    samples: samples.length,
    p50Ms: rounded(quantile(samples, 0.5)),
    p90Ms: rounded(quantile(samples, 0.9)),
    p99Ms: rounded(quantile(samples, 0.99)),
    maxMs: rounded(samples.length === 0 ? undefined : Math.max(...samples)),
  };
}

export function median(samples: readonly number[]): number | null {
  return rounded(quantile(samples, 0.5));
}

/** a / b to two decimals, or null when either is missing. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100;
}
