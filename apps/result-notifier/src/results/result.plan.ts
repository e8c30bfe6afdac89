import { Lane, ResultStatus } from '@sluice/contracts';
import type { BookingOutcome } from '@sluice/ledger';

/** What to do with a result once the ledger has said how it was booked. */
export interface ResultPlan {
  /** Publish the lifecycle event and the replyTo copy, queue the webhook, then mark the completion published. */
  deliver: boolean;
  /** Keep the answer for identical requests. */
  cache: boolean;
  /** Answer the identical requests that waited on this one (coalesced followers). */
  answerFollowers: boolean;
  /** What the cost metrics count: the delivered completion, only the bill of a losing result, or nothing. */
  account: 'completion' | 'bill' | 'none';
}

export interface ResultFacts {
  /** Whether the booked completion was published before (only meaningful when already booked). */
  published: boolean;
  /** Whether the request may use the cache, i.e. the router recorded a cache key for it. */
  cacheable: boolean;
  lane: Lane;
  status: ResultStatus;
}

const NOTHING: ResultPlan = { deliver: false, cache: false, answerFollowers: false, account: 'none' };

/**
 * `booked`: the request's completion, deliver it. `already-booked`: this very result again; it is
 * delivered again (same ids) only if the first time stopped before it was published, which is how a
 * crash between booking and publishing heals. `superseded`: another result won; this one is billed,
 * never delivered. Answers from the cache lane are neither cached again nor anyone's leader.
 */
export function planResult(outcome: BookingOutcome['outcome'], facts: ResultFacts): ResultPlan {
  if (outcome === 'superseded') return { ...NOTHING, account: 'bill' };
  if (outcome === 'already-booked' && facts.published) return NOTHING;
  const fromProvider = facts.cacheable && facts.lane !== 'cache';
  return {
    deliver: true,
    cache: fromProvider && facts.status === 'succeeded',
    // A failed leader answers its followers too (with its failure): nothing else would ever answer them.
    answerFollowers: fromProvider,
    account: outcome === 'booked' ? 'completion' : 'none',
  };
}

/** One booked result of a batch, in consumption order, with what planResult needs. */
export interface BatchEntry {
  /** The request the result answers (tenant and id). */
  requestKey: string;
  outcome: BookingOutcome['outcome'];
  facts: ResultFacts;
}

/**
 * planResult for every result of a batch. The same request can appear twice in one batch (a
 * redelivered result, a late batch result beside its escalated realtime answer): the first of
 * them to be delivered is the completion, and a later one that is the same booked result is a
 * duplicate of it, as it would be had it come after the first was published.
 */
export function planBatch(entries: readonly BatchEntry[]): ResultPlan[] {
  const delivering = new Set<string>();
  return entries.map((entry) => {
    const published = entry.facts.published || delivering.has(entry.requestKey);
    const plan = planResult(entry.outcome, { ...entry.facts, published });
    if (plan.deliver) delivering.add(entry.requestKey);
    return plan;
  });
}
