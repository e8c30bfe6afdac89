import { timeToAnswerMs, type Turnaround } from './turnaround-distribution';

/**
 * A window is submitted no later than its earliest deadline less the time within which this share of
 * batches answers: closing a window early costs nothing but a smaller batch, so it plans for a slow one.
 */
export const WINDOW_CLOSE_SHARE = 0.9;

/**
 * A line a batch did not answer goes into another batch while that batch answers in time at least this
 * often; otherwise it is escalated now. At the 50 % batch discount both providers give, a second batch
 * is the cheaper bet, in expectation, exactly while it is in time more often than not.
 */
export const RESUBMIT_SHARE = 0.5;

export interface BatchPlan {
  /** How long before its earliest deadline (less the escalation lead) a window must be submitted. */
  windowCloseMs: number;
  /** How much time a resubmitted line needs before the escalation point. */
  resubmitMs: number;
}

/** The time within which `share` of requests are answered, or the longest time the distribution knows when fewer ever are. */
function timeForShareMs(turnaround: Turnaround, share: number): number {
  return timeToAnswerMs(turnaround, share) ?? Math.max(...turnaround.parts.flatMap((part) => part.distribution.points.map((point) => point.ms)));
}

/** The batch aggregator's plan for one provider and model, from the batch lane's turnaround distribution. */
export function batchPlan(turnaround: Turnaround): BatchPlan {
  return { windowCloseMs: timeForShareMs(turnaround, WINDOW_CLOSE_SHARE), resubmitMs: timeForShareMs(turnaround, RESUBMIT_SHARE) };
}
