import type { RoutingPolicy } from '@sluice/routing';
import { Baselines, baselinesOf } from '../workload/cost.bounds';
import { URGENCY, URGENCY_CLASSES, UrgencyClass } from '../workload/urgency.rule';
import { PlannedRequest, costedRequest } from '../workload/workload.plan';
import type { RequestOutcome } from './ledger.outcomes';

export interface LaneFigures {
  /** The lane that delivered the result (cache, realtime, async, batch). */
  lane: string;
  requests: number;
  billedUsd: number;
}

export interface ClassFigures {
  urgency: UrgencyClass;
  deadlineMs: number;
  requests: number;
  /** Answered successfully by the deadline. */
  met: number;
  /** Answered successfully, after the deadline. */
  late: number;
  /** Answered with a failure. */
  failed: number;
  /** No result booked, and the deadline has passed (or the request never reached the ledger). */
  noResult: number;
  /** No result booked yet, and the deadline is still ahead: not decided either way. */
  pending: number;
  /** met / (requests - pending): a late answer, a failure or no result by the deadline is a miss. */
  attainment: number | null;
  /** Lanes that delivered this class's results. */
  lanes: Record<string, number>;
}

export interface CostFigures {
  /** The successfully answered requests the comparison covers: all figures below are over these. */
  requests: number;
  /** What the providers billed for them, from the ledger (every result, an escalated request's second one too). */
  sluiceUsd: number;
  allRealtimeUsd: number;
  lowerBoundUsd: number;
  lowerBoundLanes: Baselines['lowerBoundLanes'];
  naiveAllBatch: Baselines['naiveAllBatch'];
  savedUsd: number;
  savedPct: number | null;
  /** sluiceUsd / lowerBoundUsd: 1 means no request paid more than its deadline required. */
  ratioToLowerBound: number | null;
  ratioToAllRealtime: number | null;
}

export interface Unanswered {
  id: string;
  urgency: UrgencyClass;
  /** The request's status in the ledger, or why it is not there. */
  status: string;
  routedLane: string | null;
  deadline: string | null;
  pastDeadline: boolean;
}

export interface ReplaySummary {
  requests: number;
  answered: number;
  lanes: LaneFigures[];
  classes: ClassFigures[];
  cost: CostFigures;
  /** Everything billed to the run, failed requests included. */
  billedTotalUsd: number;
  unanswered: Unanswered[];
  /** Every request has a result. */
  complete: boolean;
}

const LANE_ORDER = ['cache', 'realtime', 'async', 'batch'];

function ratio(a: number, b: number): number | null {
  return b === 0 ? null : a / b;
}

/**
 * The replay's figures, all from what the ledger booked: lanes and deadlines as delivered, costs as
 * billed; the baselines priced from the usage the providers reported for the same requests.
 */
export function summarizeReplay(
  plan: readonly PlannedRequest[],
  outcomes: ReadonlyMap<string, RequestOutcome>,
  policy: RoutingPolicy,
  options: { nowMs: number; notSent?: ReadonlyMap<string, string> },
): ReplaySummary {
  const lanes = new Map<string, LaneFigures>();
  const classes = new Map<UrgencyClass, ClassFigures>(
    URGENCY_CLASSES.map((urgency) => [
      urgency,
      { urgency, deadlineMs: URGENCY[urgency].deadlineMs, requests: 0, met: 0, late: 0, failed: 0, noResult: 0, pending: 0, attainment: null, lanes: {} },
    ]),
  );
  const answeredWell: Array<{ planned: PlannedRequest; outcome: RequestOutcome }> = [];
  const unanswered: Unanswered[] = [];
  let billedTotalUsd = 0;
  let answered = 0;

  for (const planned of plan) {
    const figures = classes.get(planned.urgency) as ClassFigures;
    figures.requests += 1;
    const outcome = outcomes.get(planned.request.id);
    billedTotalUsd += outcome?.billedUsd ?? 0;
    const completion = outcome?.completion;
    if (outcome === undefined || completion === undefined) {
      const notSent = options.notSent?.get(planned.request.id);
      const pastDeadline = outcome?.deadline == null || outcome.deadline.getTime() <= options.nowMs;
      if (pastDeadline) figures.noResult += 1;
      else figures.pending += 1;
      unanswered.push({
        id: planned.request.id,
        urgency: planned.urgency,
        status: outcome?.status ?? (notSent === undefined ? 'not in the ledger' : `not sent: ${notSent}`),
        routedLane: outcome?.routedLane ?? null,
        deadline: outcome?.deadline?.toISOString() ?? null,
        pastDeadline,
      });
      continue;
    }
    answered += 1;
    const lane = lanes.get(completion.lane) ?? { lane: completion.lane, requests: 0, billedUsd: 0 };
    lane.requests += 1;
    lane.billedUsd += outcome.billedUsd;
    lanes.set(completion.lane, lane);
    figures.lanes[completion.lane] = (figures.lanes[completion.lane] ?? 0) + 1;
    if (completion.status === 'failed') figures.failed += 1;
    else {
      if (completion.deadlineMet === false) figures.late += 1;
      else figures.met += 1;
      answeredWell.push({ planned, outcome });
    }
  }
  for (const figures of classes.values()) {
    const settled = figures.requests - figures.pending;
    figures.attainment = settled === 0 ? null : figures.met / settled;
  }

  const baselines = baselinesOf(
    answeredWell.map(({ planned, outcome }) => {
      const { inputTokens, outputTokens, cachedInputTokens } = outcome.completion as NonNullable<RequestOutcome['completion']>;
      return costedRequest(planned, { inputTokens, outputTokens, cachedInputTokens });
    }),
    policy,
  );
  const sluiceUsd = answeredWell.reduce((sum, { outcome }) => sum + outcome.billedUsd, 0);
  const savedUsd = baselines.allRealtimeUsd - sluiceUsd;
  return {
    requests: plan.length,
    answered,
    lanes: [...lanes.values()].sort((a, b) => LANE_ORDER.indexOf(a.lane) - LANE_ORDER.indexOf(b.lane)),
    classes: URGENCY_CLASSES.map((urgency) => classes.get(urgency) as ClassFigures).filter((figures) => figures.requests > 0),
    cost: {
      requests: baselines.requests,
      sluiceUsd,
      allRealtimeUsd: baselines.allRealtimeUsd,
      lowerBoundUsd: baselines.lowerBoundUsd,
      lowerBoundLanes: baselines.lowerBoundLanes,
      naiveAllBatch: baselines.naiveAllBatch,
      savedUsd,
      savedPct: baselines.allRealtimeUsd === 0 ? null : (100 * savedUsd) / baselines.allRealtimeUsd,
      ratioToLowerBound: ratio(sluiceUsd, baselines.lowerBoundUsd),
      ratioToAllRealtime: ratio(sluiceUsd, baselines.allRealtimeUsd),
    },
    billedTotalUsd,
    unanswered,
    complete: unanswered.length === 0,
  };
}
