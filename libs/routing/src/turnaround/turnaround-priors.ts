import type { TurnaroundDistribution } from './turnaround-distribution';

const SECOND_MS = 1_000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;

function prior(quantiles: ReadonlyArray<[number, number]>, unfinishedShare: number): TurnaroundDistribution {
  return { points: quantiles.map(([quantile, ms]) => ({ quantile, ms })), unfinishedShare };
}

/**
 * What routing assumes of a lane before it has seen it answer, per lane for every provider (keyed by
 * lane; the policy types them, which keeps this file free of it). The
 * realtime and async figures are ours (providers publish no latency bounds): a chat answer in seconds,
 * rarely past a minute; the async lane queued behind realtime headroom or on a flex tier, which OpenAI
 * says is slower and may be refused for a while (its SDK waits up to 15 minutes). The batch figure is
 * the 24 h completion window both providers publish, with most batches done within the hour.
 */
export const GENERIC_PRIORS = {
  realtime: prior(
    [
      [0.5, 2 * SECOND_MS],
      [0.9, 8 * SECOND_MS],
      [0.99, 30 * SECOND_MS],
      [0.999, 45 * SECOND_MS],
      [1, 2 * MINUTE_MS],
    ],
    0,
  ),
  async: prior(
    [
      [0.5, 5 * SECOND_MS],
      [0.9, 30 * SECOND_MS],
      [0.99, 2 * MINUTE_MS],
      [0.999, 5 * MINUTE_MS],
      [1, 15 * MINUTE_MS],
    ],
    0,
  ),
  batch: prior(
    [
      [0.5, 20 * MINUTE_MS],
      [0.9, HOUR_MS],
      [0.99, 6 * HOUR_MS],
      [1, 24 * HOUR_MS],
    ],
    0.001,
  ),
} as const satisfies Readonly<Record<string, TurnaroundDistribution>>;

/**
 * Per-provider priors where the provider publishes something of its own:
 * - OpenAI Batch: a 24 h completion window ("most batches complete well within it", typically under
 *   an hour for small ones); what is not done at 24 h expires and is returned as expired.
 * - Anthropic Message Batches: "most batches finish in less than 1 hour"; results come when the whole
 *   batch ends, and a batch that has not ended after 24 h expires.
 * The unfinished share is a small allowance for expiry; the lane's own history replaces it.
 */
export const PROVIDER_PRIORS: Readonly<Record<string, Readonly<Partial<Record<keyof typeof GENERIC_PRIORS, TurnaroundDistribution>>>>> = {
  openai: { batch: GENERIC_PRIORS.batch },
  anthropic: {
    batch: prior(
      [
        [0.5, 30 * MINUTE_MS],
        [0.8, HOUR_MS],
        [0.95, 3 * HOUR_MS],
        [0.99, 12 * HOUR_MS],
        [1, 24 * HOUR_MS],
      ],
      0.001,
    ),
  },
};
