import { LatencySummary, summarize } from '../realtime/latency.stats';

/** When one request passed each point, ms since the epoch; NaN where it was not seen. */
export interface RequestStamps {
  producedAt: number;
  /** Ingestion's receipt time (the lane message's `receivedAt`). */
  receivedAt: number;
  /** The Kafka timestamp of its message on sluice.accepted.v1 (ingestion's produce). */
  acceptedAt: number;
  /** The router's decision (the lane message's `routing.routedAt`, also the `at` of its `routed` event). */
  routedAt: number;
  /** The Kafka timestamp of its lane message (the router's produce). */
  laneAt: number;
  /** When the benchmark read the lane message. */
  readAt: number;
}

export const STAGES = [
  ['produceToReceived', 'producedAt', 'receivedAt'],
  ['receivedToAccepted', 'receivedAt', 'acceptedAt'],
  ['acceptedToRouted', 'acceptedAt', 'routedAt'],
  ['routedToLane', 'routedAt', 'laneAt'],
  ['laneToRead', 'laneAt', 'readAt'],
  ['produceToAccepted', 'producedAt', 'acceptedAt'],
  ['acceptedToLane', 'acceptedAt', 'laneAt'],
  ['produceToLane', 'producedAt', 'laneAt'],
] as const satisfies ReadonlyArray<readonly [string, keyof RequestStamps, keyof RequestStamps]>;

export type StageName = (typeof STAGES)[number][0];

/** Per stage, the distribution of its duration over the requests that have both stamps. */
export function stageSplit(stamps: readonly RequestStamps[]): Record<StageName, LatencySummary> {
  const split = {} as Record<StageName, LatencySummary>;
  for (const [name, from, to] of STAGES) {
    const samples: number[] = [];
    for (const stamp of stamps) {
      const duration = stamp[to] - stamp[from];
      if (Number.isFinite(duration)) samples.push(duration);
    }
    split[name] = summarize(samples);
  }
  return split;
}
