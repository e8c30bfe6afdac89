import { type Lane, LANES } from '../policy/routing-policy';
import { missProbability, type Turnaround, unfinishedProbability } from '../turnaround/turnaround-distribution';

/** One lane weighed for one request: the numbers a routed event carries, so a user can see why. */
export interface LaneAssessment {
  lane: Lane;
  /** What the lane charges when it answers. */
  priceUsd: number;
  /**
   * The probability that the lane has not answered in time: by the deadline for realtime and async,
   * by the deadline less the escalation lead for batch (when the deadline guard re-issues it).
   */
  missProbability: number;
  /** The probability that the deadline is met, counting a batch request escalated to realtime. */
  meetProbability: number;
  /** The price where the lane answers, plus the realtime price times the chance of escalating. */
  expectedCostUsd: number;
}

export interface LaneChoiceInput {
  /** Time from the start (now, or notBefore) to the deadline. */
  slackMs: number;
  /** The lanes policy and model allow, each with its price. */
  prices: ReadonlyMap<Lane, number>;
  realtimePriceUsd: number;
  turnaround: (lane: Lane) => Turnaround;
  escalationLeadMs: number;
}

/**
 * Weighs each lane. Realtime and async answer when they answer: their cost is their price, their
 * chance is the deadline's. A batch request still waiting at the deadline less the escalation lead is
 * re-issued on realtime, which then has that lead to answer in; the batch answer is still billed when
 * it comes, so an escalation costs the realtime price on top, and only an answer that never comes
 * (an expired batch) is not billed. With a 50 % batch discount, batch is cheaper in expectation
 * exactly while its chance of missing the escalation point stays under one half.
 */
export function assessLanes(input: LaneChoiceInput): LaneAssessment[] {
  const { slackMs, escalationLeadMs } = input;
  return LANES.flatMap((lane): LaneAssessment[] => {
    const priceUsd = input.prices.get(lane);
    if (priceUsd === undefined) return [];
    const turnaround = input.turnaround(lane);
    if (lane !== 'batch') {
      const miss = missProbability(turnaround, slackMs);
      return [{ lane, priceUsd, missProbability: miss, meetProbability: 1 - miss, expectedCostUsd: priceUsd }];
    }
    const miss = missProbability(turnaround, slackMs - escalationLeadMs);
    const unbilled = Math.min(miss, unfinishedProbability(turnaround));
    // Routing does not plan on a lane the policy forbids: without realtime, a late batch is just late.
    if (!input.prices.has('realtime'))
      return [{ lane, priceUsd, missProbability: miss, meetProbability: 1 - miss, expectedCostUsd: priceUsd * (1 - unbilled) }];
    const realtimeMiss = missProbability(input.turnaround('realtime'), Math.min(escalationLeadMs, slackMs));
    return [
      {
        lane,
        priceUsd,
        missProbability: miss,
        meetProbability: 1 - miss * realtimeMiss,
        expectedCostUsd: priceUsd * (1 - unbilled) + miss * input.realtimePriceUsd,
      },
    ];
  });
}

// Prices are fractions of a cent computed in floating point; closer than this they are the same price.
const SAME_COST = 1e-9;
const SAME_CHANCE = 1e-12;

function speed(lane: Lane): number {
  return LANES.indexOf(lane);
}

/**
 * The lowest expected cost among the lanes expected to meet `target` of deadlines, the faster lane at
 * the same cost; when none does, the lane likeliest to meet the deadline (the faster one at the same
 * chance). Undefined when there is no lane at all.
 */
export function chooseLane(assessments: readonly LaneAssessment[], target: number): { lane: Lane; meetsTarget: boolean } | undefined {
  const feasible = assessments.filter((a) => a.meetProbability >= target - SAME_CHANCE);
  if (feasible.length > 0) {
    const cheapest = Math.min(...feasible.map((a) => a.expectedCostUsd));
    const pick = feasible.filter((a) => a.expectedCostUsd <= cheapest * (1 + SAME_COST)).sort((a, b) => speed(a.lane) - speed(b.lane))[0]!;
    return { lane: pick.lane, meetsTarget: true };
  }
  const best = Math.max(...assessments.map((a) => a.meetProbability));
  const pick = assessments.filter((a) => a.meetProbability >= best - SAME_CHANCE).sort((a, b) => speed(a.lane) - speed(b.lane))[0];
  return pick && { lane: pick.lane, meetsTarget: false };
}
