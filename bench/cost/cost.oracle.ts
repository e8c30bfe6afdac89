import { BENCH_LANES, BenchLane, ListPrice, Usage, laneCostUsd } from './list.prices';
import { ObservationIndex, observedTurnaroundMs } from './lane.observations';

export interface ComparedRequest {
  id: string;
  provider: string;
  model: string;
  sentAtMs: number;
  deadlineMs: number;
  usage: Usage;
}

export interface OracleChoice {
  /** The cheapest lane whose observed turnaround met the deadline; realtime when none did. */
  lane: BenchLane;
  costUsd: number;
  /** Whether any lane's observed turnaround met the deadline: the deadlines attainment is judged on. */
  meetable: boolean;
}

/**
 * The bound with hindsight: the request in the cheapest lane whose turnaround in this run (same
 * provider, model and time) would have met its deadline, no escalation needed. A tie in price goes
 * to the faster lane. Written apart from @sluice/routing: it is the yardstick, not the router.
 */
export function oracleChoice(request: ComparedRequest, price: ListPrice, index: ObservationIndex): OracleChoice {
  let best: { lane: BenchLane; costUsd: number } | undefined;
  for (const lane of BENCH_LANES) {
    const turnaround = observedTurnaroundMs(index, request.provider, request.model, lane, request.sentAtMs);
    if (turnaround === undefined || turnaround > request.deadlineMs) continue;
    const costUsd = laneCostUsd(price, request.usage, lane);
    if (best === undefined || costUsd < best.costUsd) best = { lane, costUsd };
  }
  if (best !== undefined) return { ...best, meetable: true };
  return { lane: 'realtime', costUsd: laneCostUsd(price, request.usage, 'realtime'), meetable: false };
}
