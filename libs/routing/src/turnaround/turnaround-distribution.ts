/**
 * How long a lane takes to answer, as a distribution rather than one estimate, so that routing can
 * weigh the odds of a miss instead of comparing slack with a single figure.
 *
 * A distribution is a few quantiles of the time to an answer (from receipt, or from notBefore) with
 * the share of requests that never get one in this lane (a batch that expired). Between two quantiles
 * the time is taken as evenly spread; below the first, evenly spread from zero; beyond the last
 * quantile given, nothing is assumed to finish, which errs on the side of a miss.
 */
export interface QuantilePoint {
  /** In (0, 1]: the share of finished requests answered within `ms`. */
  quantile: number;
  ms: number;
}

export interface TurnaroundDistribution {
  /** Ascending in both quantile and ms. */
  points: readonly QuantilePoint[];
  /** In [0, 1): the share of requests the lane never answers. */
  unfinishedShare: number;
}

/** A distribution and its weight in a mixture (weights of one mixture sum to 1). */
export interface WeightedDistribution {
  weight: number;
  distribution: TurnaroundDistribution;
}

/**
 * What routing plans a lane with: the prior, or the prior blended with what was observed. `samples` is
 * the number of observations behind the learned part (0 on a cold start), so a reader can tell which.
 */
export interface Turnaround {
  parts: readonly WeightedDistribution[];
  samples: number;
}

export interface DistributionError {
  path: string;
  message: string;
}

/** Checks the shape: quantiles in (0, 1], both quantile and ms strictly ascending, ms ≥ 0, a share in [0, 1). */
export function distributionErrors(distribution: TurnaroundDistribution, path: string): DistributionError[] {
  const errors: DistributionError[] = [];
  const { points, unfinishedShare } = distribution;
  if (points.length === 0) errors.push({ path: `${path}.quantilesMs`, message: 'needs at least one quantile' });
  points.forEach((point, index) => {
    const at = `${path}.quantilesMs.${point.quantile}`;
    if (!(point.quantile > 0 && point.quantile <= 1)) errors.push({ path: at, message: 'quantile must be in (0, 1]' });
    if (!Number.isFinite(point.ms) || point.ms < 0) errors.push({ path: at, message: 'must be a non-negative number of ms' });
    const previous = points[index - 1];
    if (previous && !(point.ms > previous.ms)) errors.push({ path: at, message: 'must be longer than the time of the quantile below it' });
  });
  if (!(unfinishedShare >= 0 && unfinishedShare < 1)) errors.push({ path: `${path}.unfinishedShare`, message: 'must be a number in [0, 1)' });
  return errors;
}

/** The share of all requests answered within `ms`. */
export function finishedWithin(distribution: TurnaroundDistribution, ms: number): number {
  const { points, unfinishedShare } = distribution;
  if (ms < 0 || points.length === 0) return 0;
  let below: QuantilePoint = { quantile: 0, ms: 0 };
  let share = points[points.length - 1]!.quantile;
  for (const point of points) {
    if (ms < point.ms) {
      share = below.quantile + ((point.quantile - below.quantile) * (ms - below.ms)) / (point.ms - below.ms);
      break;
    }
    below = point;
  }
  return share * (1 - unfinishedShare);
}

/** The probability that the lane has not answered `ms` after the start (1 for a negative `ms`). */
export function missProbability(turnaround: Turnaround, ms: number): number {
  const within = turnaround.parts.reduce((sum, part) => sum + part.weight * finishedWithin(part.distribution, ms), 0);
  return Math.min(1, Math.max(0, 1 - within));
}

/** The share of requests the lane never answers at all. */
export function unfinishedProbability(turnaround: Turnaround): number {
  return turnaround.parts.reduce((sum, part) => sum + part.weight * (1 - (1 - part.distribution.unfinishedShare) * lastQuantile(part.distribution)), 0);
}

function lastQuantile(distribution: TurnaroundDistribution): number {
  return distribution.points[distribution.points.length - 1]?.quantile ?? 0;
}

/**
 * The time within which a share `p` of requests is answered: the smallest ms at which the miss
 * probability is at most 1 - p, or undefined when the lane never gets that far (too many unfinished).
 */
export function timeToAnswerMs(turnaround: Turnaround, p: number): number | undefined {
  const candidates = [...new Set(turnaround.parts.flatMap((part) => part.distribution.points.map((point) => point.ms)))].sort((a, b) => a - b);
  const upper = candidates.find((ms) => 1 - missProbability(turnaround, ms) >= p - 1e-12);
  if (upper === undefined) return undefined;
  // The mixture is piecewise linear between the breakpoints, so a bisection over the last segment is exact enough.
  let low = candidates.filter((ms) => ms < upper).pop() ?? 0;
  let high = upper;
  while (high - low > 1) {
    const middle = (low + high) / 2;
    if (1 - missProbability(turnaround, middle) >= p - 1e-12) high = middle;
    else low = middle;
  }
  return Math.ceil(high);
}

/**
 * The prior alone on a cold start; with observations, a mixture weighting the learned distribution by
 * samples / (samples + priorWeight): the prior counts as `priorWeight` observations, so a handful of
 * quick answers does not wipe out what the provider publishes, and a run of slow ones soon outweighs it.
 */
export function blendTurnaround(prior: TurnaroundDistribution, learned: TurnaroundDistribution | undefined, samples: number, priorWeight: number): Turnaround {
  if (learned === undefined || samples <= 0) return { parts: [{ weight: 1, distribution: prior }], samples: 0 };
  const weight = samples / (samples + priorWeight);
  return {
    parts: [
      { weight: 1 - weight, distribution: prior },
      { weight, distribution: learned },
    ],
    samples,
  };
}

/**
 * A distribution from times observed at given quantiles (ascending), as the ledger reports them. Equal
 * times (many answers at the same moment) become a step: each repeat one millisecond after the last,
 * so the distribution stays well formed and the mass below the first quantile stays where it was seen.
 */
export function distributionOf(quantiles: readonly number[], timesMs: readonly number[], unfinishedShare: number): TurnaroundDistribution {
  const points: QuantilePoint[] = [];
  quantiles.forEach((quantile, index) => {
    const observed = timesMs[index];
    if (observed === undefined) return;
    const last = points[points.length - 1];
    points.push({ quantile, ms: last && observed <= last.ms ? last.ms + 1 : observed });
  });
  return { points, unfinishedShare };
}
