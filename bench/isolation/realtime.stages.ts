import { LatencySummary, summarize } from '../realtime/latency.stats';

/** The `timings` of a result on sluice.results.v1, as ISO instants. */
export interface ResultTimings {
  receivedAt?: string;
  routedAt?: string;
  completedAt?: string;
}

const STAGES = ['produceToReceived', 'receivedToRouted', 'routedToCompleted', 'completedToConsumed'] as const;
type Stage = (typeof STAGES)[number];

/**
 * Where each realtime request's time went, from the stamps its result carries: produce → ingestion
 * received it → the router routed it → the worker completed it (the provider call included) → the
 * benchmark read the result. Under a disturbance, the stage that grows names the process that waits.
 */
export class RealtimeStages {
  private readonly samples: Record<Stage, number[]> = { produceToReceived: [], receivedToRouted: [], routedToCompleted: [], completedToConsumed: [] };

  record(sentAt: number, timings: ResultTimings | undefined, readAt: number): void {
    if (timings === undefined) return;
    const points = [sentAt, Date.parse(timings.receivedAt ?? ''), Date.parse(timings.routedAt ?? ''), Date.parse(timings.completedAt ?? ''), readAt];
    STAGES.forEach((stage, index) => {
      const duration = points[index + 1] - points[index];
      if (Number.isFinite(duration)) this.samples[stage].push(duration);
    });
  }

  split(): Record<Stage, LatencySummary> {
    return Object.fromEntries(STAGES.map((stage) => [stage, summarize(this.samples[stage])])) as Record<Stage, LatencySummary>;
  }
}
