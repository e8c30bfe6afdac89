import type { Watermarks } from '@sluice/kafka';
import type { ConcurrencyMap } from '../targets/target.maps';

export interface LaneWatermarkSettings {
  /** WORKER_MAX_CONCURRENCY: provider calls at once per model unless overridden. */
  defaultCapacity: number;
  /** WORKER_MODEL_CONCURRENCY. */
  overrides: ConcurrencyMap;
  /** WORKER_PARTITION_BATCH_SIZE: messages handed over at once. */
  batchSize: number;
  /** WORKER_MAX_IN_FLIGHT, when set. */
  maxInFlight?: number;
}

/**
 * How many lane messages one lane holds (calling the provider or waiting for a slot) before fetching
 * pauses. By default as many as the largest provider model may run at once, plus one group queued behind
 * them so the next calls are ready when slots free up; fetching resumes once no more than that capacity
 * is held, which leaves room for a whole group. Holding more would only queue messages in memory that
 * the limiter makes wait anyway (and that a rebalance would redeliver).
 */
export function laneWatermarks(settings: LaneWatermarkSettings): Watermarks {
  if (settings.maxInFlight !== undefined) {
    return { highWaterMark: settings.maxInFlight, lowWaterMark: Math.max(1, Math.floor(settings.maxInFlight / 2)) };
  }
  const capacity = Math.max(settings.defaultCapacity, ...settings.overrides.values());
  return { highWaterMark: capacity + settings.batchSize, lowWaterMark: capacity };
}
