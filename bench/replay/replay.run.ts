import type { RoutingPolicy } from '@sluice/routing';
import type { PlannedRequest } from '../workload/workload.plan';
import { awaitAnswers } from './answers.wait';
import type { LedgerOutcomes } from './ledger.outcomes';
import { BenchProgress } from '../support/bench.progress';
import { ReplayOutcome, SentRequest, replayPlan } from './replay.sender';
import { ReplaySummary, summarizeReplay } from './replay.summary';

export interface ReplayRunOptions {
  tenant: string;
  policy: RoutingPolicy;
  /** Produces requests to sluice.requests.v1; resolves once the broker acknowledged them. */
  send: (requests: readonly SentRequest[]) => Promise<void>;
  ledger: LedgerOutcomes;
  waitS: number;
  say: (line: string) => void;
}

export interface ReplayRun {
  replay: ReplayOutcome;
  /** When the wait for results ended (all answered, or the wait ran out). */
  endedAtMs: number;
  summary: ReplaySummary;
}

// The two progress bars: requests sent on the trace's schedule, and results booked.
const SENT = 'sent';
const ANSWERED = 'answered (booked in the ledger)';

/**
 * Sends the plan on its schedule, waits until every request has a booked result or `waitS` seconds
 * after the last send, with progress bars, and sums up what the ledger booked.
 */
export async function runReplay(plan: readonly PlannedRequest[], options: ReplayRunOptions): Promise<ReplayRun> {
  const { ledger, tenant } = options;
  const progress = new BenchProgress([
    { name: SENT, total: plan.length },
    { name: ANSWERED, total: plan.length },
  ]);
  // Results are counted while the replay still sends, so the second bar moves from the start.
  const ticker = setInterval(
    () =>
      void ledger.answered(tenant).then(
        (n) => progress.update(ANSWERED, n),
        () => undefined,
      ),
    1_000,
  );
  let replay: ReplayOutcome;
  let answered: number;
  try {
    replay = await replayPlan(plan, { send: options.send, onSent: (sent) => progress.update(SENT, sent) }).finally(() => clearInterval(ticker));
    answered = await awaitAnswers({
      answered: () => ledger.answered(tenant),
      total: plan.length - replay.failed.length,
      untilMs: replay.finishedAtMs + options.waitS * 1000,
      onAnswered: (n) => progress.update(ANSWERED, n),
    });
  } finally {
    progress.stop();
  }
  const endedAtMs = Date.now();
  const tookS = ((endedAtMs - replay.startedAtMs) / 1000).toFixed(0);
  options.say(
    answered >= plan.length
      ? `all ${plan.length} requests answered, ${tookS} s after the first was sent`
      : `${answered} of ${plan.length} requests answered; stopped waiting ${options.waitS} s after the last was sent (${tookS} s in all)`,
  );
  if (replay.failed.length > 0) options.say(`${replay.failed.length} requests could not be sent: ${replay.failed[0]?.error}`);
  if (replay.maxLagMs > 1_000) options.say(`the replay fell up to ${(replay.maxLagMs / 1000).toFixed(1)} s behind the trace's schedule`);
  const summary = summarizeReplay(plan, await ledger.read(tenant), options.policy, {
    nowMs: Date.now(),
    notSent: new Map(replay.failed.map((failure) => [failure.id, failure.error])),
  });
  return { replay, endedAtMs, summary };
}
