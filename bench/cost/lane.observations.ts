import type { BenchLane } from './list.prices';

/**
 * What the run showed of each lane, per provider and model: one entry per answer (realtime, async:
 * from the request's arrival to its answer) or per provider batch (from its window's close, when a
 * request sent before it would have been in it, to its end). `endMs` null: it never delivered (an
 * expired or failed batch).
 */
export interface LaneObservation {
  provider: string;
  model: string;
  lane: BenchLane;
  startMs: number;
  endMs: number | null;
}

export type ObservationIndex = ReadonlyMap<string, readonly LaneObservation[]>;

const keyOf = (provider: string, model: string, lane: BenchLane): string => `${provider}\u0000${model}\u0000${lane}`;

/** The observations grouped by provider, model and lane, each group by start time. */
export function indexObservations(observations: readonly LaneObservation[]): ObservationIndex {
  const index = new Map<string, LaneObservation[]>();
  for (const observation of observations) {
    const key = keyOf(observation.provider, observation.model, observation.lane);
    index.set(key, [...(index.get(key) ?? []), observation]);
  }
  for (const group of index.values()) group.sort((a, b) => a.startMs - b.startMs);
  return index;
}

/**
 * How long the lane took for a request of this provider and model sent at `atMs`, as this run shows:
 * - batch: the first batch whose window closed at or after `atMs` (the one the request would have
 *   joined), from `atMs` to its end; after the last batch, the last one's own duration;
 * - realtime, async: the answer whose request arrived nearest `atMs`.
 * Infinity when that batch never delivered; undefined when the run never saw the lane for the model.
 */
export function observedTurnaroundMs(index: ObservationIndex, provider: string, model: string, lane: BenchLane, atMs: number): number | undefined {
  const group = index.get(keyOf(provider, model, lane));
  if (group === undefined || group.length === 0) return undefined;
  const span = (o: LaneObservation, from: number): number => (o.endMs === null ? Number.POSITIVE_INFINITY : o.endMs - from);
  if (lane === 'batch') {
    const joined = group.find((o) => o.startMs >= atMs);
    if (joined !== undefined) return span(joined, atMs);
    const last = group[group.length - 1] as LaneObservation;
    return span(last, last.startMs);
  }
  let nearest = group[0] as LaneObservation;
  for (const o of group) if (Math.abs(o.startMs - atMs) < Math.abs(nearest.startMs - atMs)) nearest = o;
  return span(nearest, nearest.startMs);
}
