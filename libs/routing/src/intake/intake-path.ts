import { coldTurnaround, type RoutingPolicy } from '../policy/routing-policy';
import { type RouteInput, routeRequest } from '../decision/route-request';
import { laneCosts, type LanePricing } from '../costs/cost-estimate';

/**
 * Which accepted topic a request travels on: `urgent` (sluice.accepted.urgent.v1, routed by a consumer
 * group of its own) or `bulk` (sluice.accepted.v1), so work that needs the realtime lane never waits in
 * the partitions behind work that can wait.
 */
export type IntakePath = 'urgent' | 'bulk';

export interface IntakePathRequest extends RouteInput {
  /** The model's pricing catalog entry; absent for a model the catalog does not know. */
  pricing?: LanePricing;
}

// The lane choice scales with the prices, so a unit of usage stands for the request's own: the door
// does not count tokens. A model the catalog does not know is taken to offer every lane at the usual tiers.
const UNKNOWN_MODEL: LanePricing = { inputPerMTok: 1, outputPerMTok: 0, batchDiscount: 0.5, flexDiscount: null, lanes: ['realtime', 'async', 'batch'] };
const UNIT_USAGE = { inputTokens: 1_000_000, outputTokens: 0 };

/**
 * The router's own lane choice (routeRequest) made at the door on the policy's priors: urgent when it
 * comes to realtime (streaming, an explicit realtime mode, a deadline no cheaper lane is expected to
 * meet, a model with no other lane), or when it refuses the request (a stream the policy forbids: the
 * refusal is quick on the urgent path). Being the same function, it cannot call realtime what the
 * router would not on the same turnarounds. The router plans with what the ledger has since shown;
 * a request that the priors send to a cheaper lane but a slower learned one does not goes the bulk path
 * and is still routed to realtime there, behind bulk work.
 */
export function intakePath(request: IntakePathRequest, policy: RoutingPolicy, nowMs: number): IntakePath {
  const decision = routeRequest(request, {
    nowMs,
    policy,
    turnaround: (lane) => coldTurnaround(policy, request.provider, lane),
    costs: laneCosts(request.pricing ?? UNKNOWN_MODEL, UNIT_USAGE),
    spentTodayUsd: 0,
  });
  return !decision.ok || decision.lane === 'realtime' ? 'urgent' : 'bulk';
}
