import { quantile } from './latency.stats';

/** Latency over a step, early against late: a queue that grows through the step makes late requests wait longer. */
export interface BacklogTrend {
  firstThirdP50Ms: number | null;
  lastThirdP50Ms: number | null;
  growing: boolean;
}

/** Below this a late-third rise is noise, not a queue (a few ms of jitter doubles a 3 ms median). */
const GROWTH_FLOOR_MS = 100;

/** Compares the median latency of the requests sent in the first and the last third of the step. */
export function backlogTrend(sentAts: readonly number[], latencies: readonly number[]): BacklogTrend {
  const order = latencies.map((latency, index) => ({ sentAt: sentAts[index] as number, latency })).sort((a, b) => a.sentAt - b.sentAt);
  const third = Math.floor(order.length / 3);
  if (third === 0) return { firstThirdP50Ms: null, lastThirdP50Ms: null, growing: false };
  const first = quantile(
    order.slice(0, third).map((sample) => sample.latency),
    0.5,
  ) as number;
  const last = quantile(
    order.slice(-third).map((sample) => sample.latency),
    0.5,
  ) as number;
  return {
    firstThirdP50Ms: Math.round(first * 100) / 100,
    lastThirdP50Ms: Math.round(last * 100) / 100,
    growing: last > 2 * first && last - first > GROWTH_FLOOR_MS,
  };
}

export interface SweepStep {
  ratePerSecond: number;
  sent: number;
  lost: number;
  p99Ms: number | null;
  /** How far behind schedule the generator started its slowest send. */
  maxScheduleLagMs: number;
  backlog: BacklogTrend;
}

/** Whether a step's rate is sustained: every answer came, p99 under `factor` × the reference's, no growing queue, the generator on time. */
export function sustained(step: SweepStep, referenceP99Ms: number | null, factor = 2): { ok: boolean; why: string } {
  if (step.lost > 0) return { ok: false, why: `${step.lost} of ${step.sent} without an answer` };
  if (step.p99Ms === null || referenceP99Ms === null) return { ok: false, why: 'no latencies' };
  if (step.p99Ms >= factor * referenceP99Ms) return { ok: false, why: `p99 ${step.p99Ms} ms is not under ${factor} x ${referenceP99Ms} ms` };
  if (step.backlog.growing)
    return { ok: false, why: `latency grows through the step (p50 ${step.backlog.firstThirdP50Ms} -> ${step.backlog.lastThirdP50Ms} ms)` };
  // The generator itself fell behind: the offered rate was not what the step claims.
  if (step.maxScheduleLagMs > 1_000) return { ok: false, why: `the generator fell ${step.maxScheduleLagMs} ms behind its schedule` };
  return { ok: true, why: 'sustained' };
}

/** The highest rate among the leading run of sustained steps (a rate after a failed one does not count); null when none. */
export function highestSustained(steps: readonly SweepStep[], referenceP99Ms: number | null, factor = 2): number | null {
  let highest: number | null = null;
  for (const step of steps) {
    if (!sustained(step, referenceP99Ms, factor).ok) break;
    highest = step.ratePerSecond;
  }
  return highest;
}
