import { ComparedRequest, oracleChoice } from './cost.oracle';
import { FixedEstimates, fixedOutcome } from './fixed.policy';
import { LaneObservation, indexObservations } from './lane.observations';
import { BENCH_LANES, BenchLane, Usage, laneCostUsd, listPriceOf } from './list.prices';

/** One request of the run as the ledger holds it. */
export interface RunRequest extends ComparedRequest {
  /** Every answer a provider produced for it, each billed at its lane. */
  results: Array<{ lane: BenchLane | 'cache'; succeeded: boolean; usage: Usage }>;
  /** The answer delivered; null when none was by the end of the run. */
  delivered: { lane: BenchLane | 'cache'; succeeded: boolean; completedAtMs: number } | null;
  /** Re-issued on the realtime lane by the deadline guard. */
  escalated: boolean;
}

export interface PolicyFigures {
  usd: number;
  lanes: Record<string, number>;
  escalated: number;
  doublePaid: number;
}

export interface CostSummary {
  requests: number;
  answered: number;
  sluice: PolicyFigures & { met: number };
  oracle: { usd: number; lanes: Record<string, number>; meetable: number };
  allRealtimeUsd: number;
  fixedEstimate: PolicyFigures & { met: number };
  /** Of the deadlines the oracle could meet, the share Sluice met (answered successfully by the deadline). */
  attainment: { meetable: number; met: number; share: number | null; missed: string[] };
  ratios: { toOracle: number | null; toAllRealtime: number | null; toFixedEstimate: number | null };
  bars: Array<{ name: string; figure: number | null; bar: string; met: boolean }>;
}

const ratio = (a: number, b: number): number | null => (b === 0 ? null : a / b);
const bump = (counts: Record<string, number>, key: string): void => {
  counts[key] = (counts[key] ?? 0) + 1;
};

/**
 * The run's figures, every price from the published list prices: what Sluice paid (each answer at its
 * lane), the hindsight oracle and the fixed-estimate rule replayed on the run's observed turnarounds,
 * all-realtime; attainment judged on the deadlines the oracle could meet.
 */
export function summarizeCost(
  requests: readonly RunRequest[],
  observations: readonly LaneObservation[],
  options: { fixedEstimates: FixedEstimates; escalationLeadMs: number; maxRatioToOracle: number },
): CostSummary {
  const index = indexObservations(observations);
  const sluice = { usd: 0, lanes: {} as Record<string, number>, escalated: 0, doublePaid: 0, met: 0 };
  const oracle = { usd: 0, lanes: {} as Record<string, number>, meetable: 0 };
  const fixed = { usd: 0, lanes: {} as Record<string, number>, escalated: 0, doublePaid: 0, met: 0 };
  const missed: string[] = [];
  let allRealtimeUsd = 0;
  let answered = 0;
  for (const request of requests) {
    const price = listPriceOf(request.provider, request.model);
    for (const result of request.results) {
      if (result.succeeded && result.lane !== 'cache') sluice.usd += laneCostUsd(price, result.usage, result.lane);
    }
    if (request.results.filter((r) => r.succeeded).length > 1) sluice.doublePaid += 1;
    if (request.escalated) sluice.escalated += 1;
    const metByDeadline = request.delivered?.succeeded === true && request.delivered.completedAtMs <= request.sentAtMs + request.deadlineMs;
    if (request.delivered !== null) {
      answered += 1;
      bump(sluice.lanes, request.delivered.lane);
    }
    if (metByDeadline) sluice.met += 1;

    const choice = oracleChoice(request, price, index);
    oracle.usd += choice.costUsd;
    bump(oracle.lanes, choice.lane);
    if (choice.meetable) {
      oracle.meetable += 1;
      if (!metByDeadline) missed.push(request.id);
    }
    allRealtimeUsd += laneCostUsd(price, request.usage, 'realtime');

    const outcome = fixedOutcome(request, price, index, { estimates: options.fixedEstimates, escalationLeadMs: options.escalationLeadMs });
    fixed.usd += outcome.costUsd;
    bump(fixed.lanes, outcome.lane);
    if (outcome.escalated) fixed.escalated += 1;
    if (outcome.doublePaid) fixed.doublePaid += 1;
    if (outcome.met) fixed.met += 1;
  }
  const share = oracle.meetable === 0 ? null : (oracle.meetable - missed.length) / oracle.meetable;
  const toOracle = ratio(sluice.usd, oracle.usd);
  const order = (lanes: Record<string, number>): Record<string, number> =>
    Object.fromEntries(['cache', ...BENCH_LANES].filter((lane) => lanes[lane] !== undefined).map((lane) => [lane, lanes[lane] as number]));
  return {
    requests: requests.length,
    answered,
    sluice: { ...sluice, lanes: order(sluice.lanes) },
    oracle: { ...oracle, lanes: order(oracle.lanes) },
    allRealtimeUsd,
    fixedEstimate: { ...fixed, lanes: order(fixed.lanes) },
    attainment: { meetable: oracle.meetable, met: oracle.meetable - missed.length, share, missed },
    ratios: { toOracle, toAllRealtime: ratio(sluice.usd, allRealtimeUsd), toFixedEstimate: ratio(sluice.usd, fixed.usd) },
    bars: [
      { name: 'Sluice / oracle', figure: toOracle, bar: `<= ${options.maxRatioToOracle}`, met: toOracle !== null && toOracle <= options.maxRatioToOracle },
      { name: 'attainment of the deadlines the oracle could meet', figure: share, bar: '= 1', met: share === 1 },
      { name: 'Sluice / fixed-estimate policy', figure: ratio(sluice.usd, fixed.usd), bar: '< 1', met: sluice.usd < fixed.usd },
    ],
  };
}
