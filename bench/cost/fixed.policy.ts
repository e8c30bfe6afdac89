import { BenchLane, ListPrice, laneCostUsd } from './list.prices';
import { ObservationIndex, observedTurnaroundMs } from './lane.observations';
import type { ComparedRequest } from './cost.oracle';

/**
 * The rule Sluice routed by before expected-cost routing, replayed on what this run observed: batch
 * when the deadline exceeds a fixed batch estimate, async when it exceeds the async estimate, else
 * realtime; a request whose lane has not answered `escalationLeadMs` before the deadline is escalated
 * to realtime, and when the slow lane's answer still comes it is paid for too.
 */
export interface FixedEstimates {
  asyncMs: number;
  batchMs: number;
}

export interface FixedOutcome {
  lane: BenchLane;
  costUsd: number;
  escalated: boolean;
  /** Escalated and the first lane's answer came as well: both billed. */
  doublePaid: boolean;
  met: boolean;
}

export function fixedLane(deadlineMs: number, estimates: FixedEstimates): BenchLane {
  if (deadlineMs > estimates.batchMs) return 'batch';
  if (deadlineMs > estimates.asyncMs) return 'async';
  return 'realtime';
}

export function fixedOutcome(
  request: ComparedRequest,
  price: ListPrice,
  index: ObservationIndex,
  options: { estimates: FixedEstimates; escalationLeadMs: number },
): FixedOutcome {
  const lane = fixedLane(request.deadlineMs, options.estimates);
  const realtimeMs = observedTurnaroundMs(index, request.provider, request.model, 'realtime', request.sentAtMs) ?? 0;
  const realtimeUsd = laneCostUsd(price, request.usage, 'realtime');
  if (lane === 'realtime') return { lane, costUsd: realtimeUsd, escalated: false, doublePaid: false, met: realtimeMs <= request.deadlineMs };
  const laneUsd = laneCostUsd(price, request.usage, lane);
  const turnaround = observedTurnaroundMs(index, request.provider, request.model, lane, request.sentAtMs) ?? Number.POSITIVE_INFINITY;
  if (turnaround <= request.deadlineMs - options.escalationLeadMs) return { lane, costUsd: laneUsd, escalated: false, doublePaid: false, met: true };
  const doublePaid = Number.isFinite(turnaround);
  return {
    lane,
    costUsd: realtimeUsd + (doublePaid ? laneUsd : 0),
    escalated: true,
    doublePaid,
    met: request.deadlineMs - options.escalationLeadMs + realtimeMs <= request.deadlineMs,
  };
}
