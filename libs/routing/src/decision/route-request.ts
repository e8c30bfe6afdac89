import { attainmentTargetFor, type Lane, LANES, type Operation, type RoutingPolicy, operationPolicyFor } from '../policy/routing-policy';
import type { Turnaround } from '../turnaround/turnaround-distribution';
import { effectiveDeadlineMs } from './effective-deadline';
import { assessLanes, chooseLane, type LaneAssessment } from './lane-choice';

export type RequestedMode = 'auto' | Lane;

export interface RouteInput {
  tenant: string;
  provider: string;
  model: string;
  operation: Operation;
  mode: RequestedMode;
  stream: boolean;
  /** Absolute deadline (epoch ms) when the request gave one, or receivedAt + maxLatencyMs. */
  deadlineMs?: number;
  /** Earliest start (epoch ms): work may not begin before it. */
  notBeforeMs?: number;
  /** When the request entered Sluice; a default deadline counts from here, not from routing time. */
  receivedAtMs: number;
}

/** What the request would cost in each lane the model supports (null: the model has no such lane). */
export interface LaneCosts {
  realtime: number;
  async: number | null;
  batch: number | null;
}

export interface RouteContext {
  nowMs: number;
  policy: RoutingPolicy;
  /** How a lane of this provider and model turns requests around: its prior, blended with what was observed. */
  turnaround: (lane: Lane) => Turnaround;
  costs: LaneCosts;
  /** The tenant's booked spend today, for the budget cap. */
  spentTodayUsd: number;
}

export type RouteReason =
  | 'explicit-mode'
  | 'stream-needs-realtime'
  | 'slack-allows-batch'
  | 'slack-allows-async'
  | 'slack-needs-realtime'
  | 'deadline-already-passed'
  | 'budget-pushed-to-cheaper-lane';

export interface RouteDecision {
  ok: true;
  lane: Lane;
  reason: RouteReason;
  /** Why an explicit mode was not obeyed, when it was not. */
  note?: string;
  deadlineMs: number;
  slackMs: number;
  estimatedCostUsd: number;
  realtimeCostUsd: number;
  /** Every lane weighed, allowed and offered by the model, in the order realtime, async, batch. */
  lanes: LaneAssessment[];
}

export interface RouteRejection {
  ok: false;
  code: 'BUDGET_EXCEEDED' | 'LANE_NOT_ALLOWED';
  message: string;
  field?: string;
}

/** Four significant digits: per-request costs are fractions of a cent, which fixed decimals would print as 0. */
function usd(amount: number): string {
  return String(Number(amount.toPrecision(4)));
}

function laneCost(costs: LaneCosts, lane: Lane): number | null {
  return costs[lane];
}

/**
 * Picks the lane with the lowest expected cost among those expected to meet the tenant's share of
 * deadlines. Pure: the same input always gives the same decision, which is what makes routing
 * unit-testable and replayable in the cost benchmark.
 */
export function routeRequest(input: RouteInput, ctx: RouteContext): RouteDecision | RouteRejection {
  const opPolicy = operationPolicyFor(ctx.policy, input.tenant, input.operation);
  const usable = (lane: Lane): boolean => opPolicy.allowedLanes.includes(lane) && laneCost(ctx.costs, lane) !== null;

  const deadlineMs = effectiveDeadlineMs(ctx.policy, input);
  // Work held back by notBefore cannot start earlier, so its slack counts from then.
  const startMs = Math.max(ctx.nowMs, input.notBeforeMs ?? ctx.nowMs);
  const slackMs = deadlineMs - startMs;
  const realtimeCostUsd = ctx.costs.realtime;
  const target = attainmentTargetFor(ctx.policy, input.tenant);
  const prices = new Map<Lane, number>();
  for (const lane of LANES) {
    const cost = laneCost(ctx.costs, lane);
    if (cost !== null && usable(lane)) prices.set(lane, cost);
  }
  const lanes = assessLanes({
    slackMs,
    prices,
    realtimePriceUsd: realtimeCostUsd,
    turnaround: ctx.turnaround,
    escalationLeadMs: ctx.policy.turnaround.escalationLeadMs,
  });

  const decide = (lane: Lane, reason: RouteReason, note?: string): RouteDecision => ({
    ok: true,
    lane,
    reason,
    ...(note ? { note } : {}),
    deadlineMs,
    slackMs,
    estimatedCostUsd: laneCost(ctx.costs, lane) ?? realtimeCostUsd,
    realtimeCostUsd,
    lanes,
  });

  let choice: RouteDecision;
  if (input.stream) {
    if (!usable('realtime')) {
      return { ok: false, code: 'LANE_NOT_ALLOWED', message: 'streaming needs the realtime lane, which policy does not allow', field: 'stream' };
    }
    choice = decide('realtime', 'stream-needs-realtime');
  } else if (input.mode !== 'auto' && usable(input.mode)) {
    choice = decide(input.mode, 'explicit-mode');
  } else {
    const note = input.mode !== 'auto' ? `mode ${input.mode} is not allowed for this tenant, operation or model; routed by deadline` : undefined;
    const picked = chooseLane(lanes, target);
    if (!picked) {
      return { ok: false, code: 'LANE_NOT_ALLOWED', message: 'no lane allowed by policy is supported by this model', field: 'mode' };
    }
    choice = decide(
      picked.lane,
      reasonFor(picked.lane, slackMs),
      note ?? (picked.meetsTarget || slackMs <= 0 ? undefined : missedTargetNote(picked.lane, target)),
    );
  }

  const budget = ctx.policy.tenants[input.tenant]?.dailyBudgetUsd;
  if (budget === undefined || ctx.spentTodayUsd + choice.estimatedCostUsd <= budget) return choice;

  // Over budget: the only lever is a cheaper lane that still meets the target; otherwise refuse.
  const cheaper = lanes
    .filter(
      (a) =>
        a.lane !== 'realtime' && a.expectedCostUsd < choice.estimatedCostUsd && a.meetProbability >= target && ctx.spentTodayUsd + a.expectedCostUsd <= budget,
    )
    .sort((a, b) => a.expectedCostUsd - b.expectedCostUsd)[0];
  if (cheaper && !input.stream) return decide(cheaper.lane, 'budget-pushed-to-cheaper-lane');
  return {
    ok: false,
    code: 'BUDGET_EXCEEDED',
    message: `tenant ${input.tenant} has spent ${usd(ctx.spentTodayUsd)} USD of its ${budget} USD daily budget; this request would cost ${usd(choice.estimatedCostUsd)} USD`,
  };
}

function reasonFor(lane: Lane, slackMs: number): RouteReason {
  if (lane === 'batch') return 'slack-allows-batch';
  if (lane === 'async') return 'slack-allows-async';
  return slackMs <= 0 ? 'deadline-already-passed' : 'slack-needs-realtime';
}

function missedTargetNote(lane: Lane, target: number): string {
  return `no allowed lane is expected to meet ${target * 100}% of deadlines; ${lane} is the likeliest to`;
}
