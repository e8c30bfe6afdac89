/** The q-quantile (0..1) of the samples, nearest-rank; undefined for no samples. */
export function quantile(samples: readonly number[], q: number): number | undefined {
  return sortedQuantile(Float64Array.from(samples).sort(), q);
}

function sortedQuantile(sorted: ArrayLike<number>, q: number): number | undefined {
  if (sorted.length === 0) return undefined;
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

/** Sorted once, and without spreading the samples into arguments: a run has hundreds of thousands. */
export function summarize(samples: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  return {
    samples: samples.length,
    p50Ms: rounded(sortedQuantile(sorted, 0.5)),
    p90Ms: rounded(sortedQuantile(sorted, 0.9)),
    p99Ms: rounded(sortedQuantile(sorted, 0.99)),
    maxMs: rounded(sorted.length === 0 ? undefined : sorted[sorted.length - 1]),
  };
}

export function median(samples: readonly number[]): number | null {
  return rounded(quantile(samples, 0.5));
}

/** a / b to two decimals, or null when either is missing. */
export function ratio(a: number | null, b: number | null): number | null {
  return a === null || b === null || b === 0 ? null : Math.round((a / b) * 100) / 100;
}
