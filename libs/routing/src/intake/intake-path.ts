import { type Lane, LANES, type RoutingPolicy } from '../policy/routing-policy';
import { type LaneCosts, type RouteInput, routeRequest } from '../decision/route-request';

/**
 * Which accepted topic a request travels on: `urgent` (sluice.accepted.urgent.v1, routed by a consumer
 * group of its own) or `bulk` (sluice.accepted.v1), so work that needs the realtime lane never waits in
 * the partitions behind work that can wait.
 */
export type IntakePath = 'urgent' | 'bulk';

export interface IntakePathRequest extends RouteInput {
  /** Lanes the model supports (the pricing catalog's `lanes`); absent for a model the catalog does not know. */
  modelLanes?: readonly Lane[];
}

// Only which lanes exist matters here: the realtime choice never depends on prices (a budget only
// ever pushes work to cheaper lanes, or refuses it).
function availability(lanes: readonly Lane[]): LaneCosts {
  return { realtime: 0, async: lanes.includes('async') ? 0 : null, batch: lanes.includes('batch') ? 0 : null };
}

/**
 * The router's own lane choice (routeRequest) made at the door, with the policy's configured
 * turnaround estimates: urgent when it comes to realtime (streaming, an explicit realtime mode,
 * slack below the async estimate, a model with no other lane), or when it refuses the request (a
 * stream the policy forbids: the refusal is quick on the urgent path). Being the same function, it
 * cannot call realtime what the router would not, for the same estimates. The router plans with
 * learned estimates once it has them; a request whose slack lies between the configured and a learned,
 * slower async estimate goes the bulk path and is still routed to realtime there, behind bulk work.
 */
export function intakePath(request: IntakePathRequest, policy: RoutingPolicy, nowMs: number): IntakePath {
  const decision = routeRequest(request, {
    nowMs,
    policy,
    estimateMs: (lane) => policy.defaultEstimatesMs[lane],
    costs: availability(request.modelLanes ?? LANES),
    spentTodayUsd: 0,
  });
  return !decision.ok || decision.lane === 'realtime' ? 'urgent' : 'bulk';
}
