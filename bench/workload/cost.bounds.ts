import { ModelPrice, ProviderName, TokenUsage, costUsd, findModelPrice } from '@sluice/providers';
import { LANES, Lane, Operation, RoutingPolicy, operationPolicyFor } from '@sluice/routing';

/**
 * What a workload would cost under three rules, from the usage each request had, priced with the
 * same catalog and `costUsd` the services bill with:
 * - lower bound: every request in the cheapest lane its deadline allows, a lane being allowed when
 *   the deadline exceeds the lane's estimate in the routing policy (the rule the router decides by);
 * - all-realtime: every request at list price, what Sluice is compared against;
 * - naive all-batch: every request at the batch tier, whatever its deadline, and how many deadlines
 *   a batch lane taking its estimate would miss.
 * Written apart from libs/routing's routeRequest on purpose: it is the yardstick the router is
 * measured against, so it must not share the router's code.
 */
const MINUTE_MS = 60_000;

/**
 * The single lane estimates the router planned with before it routed by expected cost over turnaround
 * distributions: the fixed-estimate rule the urgency classes and this bound were built around.
 */
export const FIXED_ESTIMATES_MS: Readonly<Record<Lane, number>> = { realtime: 10_000, async: 5 * MINUTE_MS, batch: 360 * MINUTE_MS };

export interface CostedRequest {
  tenant: string;
  provider: ProviderName;
  model: string;
  operation: Operation;
  stream: boolean;
  /** From sending to the deadline. */
  deadlineMs: number;
  usage: TokenUsage;
}

export interface RequestBound {
  cheapestLane: Lane;
  lowerBoundUsd: number;
  allRealtimeUsd: number;
  /** At the batch tier; the list price when the model has no batch lane. */
  allBatchUsd: number;
  /** Whether a batch lane taking its estimate would still meet the deadline. */
  allBatchMeetsDeadline: boolean;
}

export interface Baselines {
  requests: number;
  lowerBoundUsd: number;
  /** How many requests the lower bound puts in each lane. */
  lowerBoundLanes: Record<Lane, number>;
  allRealtimeUsd: number;
  naiveAllBatch: { usd: number; missedDeadlines: number };
}

/** The price of the usage in each lane the model offers: realtime at list, async at flex where the model has it (else list), batch at the batch tier. */
export function laneCostsUsd(price: ModelPrice, usage: TokenUsage): Partial<Record<Lane, number>> {
  const costs: Partial<Record<Lane, number>> = {};
  if (price.lanes.includes('realtime')) costs.realtime = costUsd(price, usage, 'standard');
  if (price.lanes.includes('async')) costs.async = costUsd(price, usage, price.flexDiscount === null ? 'standard' : 'flex');
  if (price.lanes.includes('batch')) costs.batch = costUsd(price, usage, 'batch');
  return costs;
}

/**
 * Lanes whose estimate the deadline exceeds, among those the model offers and the policy allows.
 * Realtime is always among them when offered and allowed: it is the fastest there is, so a deadline
 * too short for it still has no better lane. A streamed request can only be served by realtime.
 */
export function lanesAllowed(
  request: Pick<CostedRequest, 'deadlineMs' | 'stream'>,
  estimatesMs: Readonly<Record<Lane, number>>,
  usable: readonly Lane[],
): Lane[] {
  return LANES.filter((lane) => {
    if (!usable.includes(lane)) return false;
    if (lane === 'realtime') return true;
    return !request.stream && request.deadlineMs > estimatesMs[lane];
  });
}

function priceOf(request: Pick<CostedRequest, 'provider' | 'model'>): ModelPrice {
  const price = findModelPrice(request.provider, request.model);
  if (price === undefined) throw new Error(`no price in the catalog for ${request.provider} ${request.model}`);
  return price;
}

export function boundOf(request: CostedRequest, policy: RoutingPolicy): RequestBound {
  const price = priceOf(request);
  const costs = laneCostsUsd(price, request.usage);
  const usable = operationPolicyFor(policy, request.tenant, request.operation).allowedLanes.filter((lane) => costs[lane] !== undefined);
  const allowed = lanesAllowed(request, FIXED_ESTIMATES_MS, usable);
  if (allowed.length === 0) throw new Error(`no lane is both offered for ${request.model} and allowed by the policy for ${request.operation}`);
  // LANES runs fastest first, so a tie in price goes to the faster lane.
  const cheapestLane = allowed.reduce((best, lane) => ((costs[lane] as number) < (costs[best] as number) ? lane : best));
  const list = costUsd(price, request.usage, 'standard');
  return {
    cheapestLane,
    lowerBoundUsd: costs[cheapestLane] as number,
    allRealtimeUsd: list,
    allBatchUsd: costs.batch ?? list,
    allBatchMeetsDeadline: request.deadlineMs > FIXED_ESTIMATES_MS.batch,
  };
}

export function baselinesOf(requests: readonly CostedRequest[], policy: RoutingPolicy): Baselines {
  const baselines: Baselines = {
    requests: requests.length,
    lowerBoundUsd: 0,
    lowerBoundLanes: { realtime: 0, async: 0, batch: 0 },
    allRealtimeUsd: 0,
    naiveAllBatch: { usd: 0, missedDeadlines: 0 },
  };
  for (const request of requests) {
    const bound = boundOf(request, policy);
    baselines.lowerBoundUsd += bound.lowerBoundUsd;
    baselines.lowerBoundLanes[bound.cheapestLane] += 1;
    baselines.allRealtimeUsd += bound.allRealtimeUsd;
    baselines.naiveAllBatch.usd += bound.allBatchUsd;
    if (!bound.allBatchMeetsDeadline) baselines.naiveAllBatch.missedDeadlines += 1;
  }
  return baselines;
}
