import type { ResultError } from '@sluice/providers';

/** A batch line that came back without an answer (expired, cancelled, failed) and what is known of it. */
export interface MissingLine {
  /** Batch submissions of this request so far, this one included. */
  attempt: number;
  deadlineMs: number | undefined;
  error: ResultError;
}

export interface MissingSettings {
  nowMs: number;
  /** Batch submissions per request before it leaves the batch lane. */
  maxAttempts: number;
  /** The time a further batch of this model needs to be worth it (batchPlan's resubmitMs): a resubmission must still have this much before the escalation point. */
  resubmitMs: number;
  /** How long before its deadline the realtime lane takes over a request. */
  escalationLeadMs: number;
}

export type MissingAction =
  | { action: 'resubmit' }
  | { action: 'escalate'; reason: string }
  /** The provider refused the line itself: the same body fails again anywhere. */
  | { action: 'fail' };

/**
 * What to do with a line the batch did not answer. Only what is missing moves on: into the next
 * batch while another batch is likely enough to answer before the escalation point, else to the
 * realtime lane.
 */
export function planMissing(line: MissingLine, settings: MissingSettings): MissingAction {
  if (!line.error.retryable) return { action: 'fail' };
  const slackMs = line.deadlineMs === undefined ? Number.POSITIVE_INFINITY : line.deadlineMs - settings.nowMs;
  if (line.attempt < settings.maxAttempts && slackMs > settings.resubmitMs + settings.escalationLeadMs) return { action: 'resubmit' };
  return {
    action: 'escalate',
    reason: `batch-${line.error.code
      .toLowerCase()
      .replace(/_/g, '-')
      .replace(/^batch-/, '')}`,
  };
}
