/**
 * When deferrable work gives way to urgent work, as plain decisions. Urgent traffic is read from a
 * cheap signal, the high-water marks of the urgent path's topic, at most once per probe interval: if
 * they moved since the last probe, urgent work flowed. For `holdMs` after that the valve is narrow:
 * deferrable work runs one piece at a time and rests after each, so it takes at most `dutyPercent`
 * of the wall clock; otherwise it is wide open and costs nothing.
 */
export interface ValvePolicy {
  /** Share of the wall clock deferrable work may take while urgent work flows (100: the valve never narrows). */
  dutyPercent: number;
  /** How long after urgent traffic was last seen the valve stays narrow. */
  holdMs: number;
  /** Least time between two reads of the signal. */
  probeIntervalMs: number;
  /** Longest rest after one piece of work, so a slow piece never parks a consumer for long. */
  maxRestMs: number;
}

export const DEFAULT_VALVE_POLICY: ValvePolicy = { dutyPercent: 20, holdMs: 3_000, probeIntervalMs: 500, maxRestMs: 2_000 };

/** High-water mark per partition of the signal topic(s), keyed `<topic>:<partition>`. */
export type Watermarks = ReadonlyMap<string, bigint>;

/** Whether any partition's high-water mark moved between two probes. The first probe only sets the mark. */
export function watermarksMoved(before: Watermarks | undefined, after: Watermarks): boolean {
  if (before === undefined) return false;
  for (const [partition, high] of after) {
    if (high !== (before.get(partition) ?? high)) return true;
  }
  return false;
}

/** Whether deferrable work must give way now. */
export function isNarrow(policy: ValvePolicy, lastUrgentAt: number | undefined, now: number): boolean {
  return policy.dutyPercent < 100 && lastUrgentAt !== undefined && now - lastUrgentAt < policy.holdMs;
}

/** How long to rest after a piece of work that took `workMs`, so that work is `dutyPercent` of the time. */
export function restAfter(policy: ValvePolicy, workMs: number): number {
  if (policy.dutyPercent >= 100 || workMs <= 0) return 0;
  return Math.min(policy.maxRestMs, (workMs * (100 - policy.dutyPercent)) / policy.dutyPercent);
}

/** Whether the signal should be read again. */
export function probeDue(policy: ValvePolicy, lastProbeAt: number | undefined, now: number): boolean {
  return lastProbeAt === undefined || now - lastProbeAt >= policy.probeIntervalMs;
}
