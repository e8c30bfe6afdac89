import type { InferenceRequestV1 } from '@sluice/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { PlannedRequest, requestSentAt } from '../workload/workload.plan';

export type SentRequest = InferenceRequestV1 & { id: string; deadline: string };

/**
 * Requests per send at most. kafkajs writes a send's messages for one partition as one record batch,
 * which the broker refuses above its 1 MB message limit; the largest trace prompts are about 30 KB.
 */
export const MAX_REQUESTS_PER_SEND = 16;

/** Requests as records of sluice.requests.v1: JSON values keyed by request id, as the contract asks. */
export function requestRecords(requests: readonly SentRequest[]): Array<{ key: string; value: string }> {
  return requests.map((request) => ({ key: request.id, value: JSON.stringify(request) }));
}

export interface ReplaySendOptions {
  /** Hands requests to the broker; resolves once it acknowledged them. */
  send: (requests: readonly SentRequest[]) => Promise<void>;
  /** After each acknowledged send, with the count acknowledged so far. */
  onSent?: (sent: number) => void;
  now?: () => number;
}

export interface ReplayOutcome {
  sent: number;
  /** Requests whose send failed: they never reached Sluice, and the report counts them as unanswered. */
  failed: Array<{ id: string; error: string }>;
  startedAtMs: number;
  /** When the last request was handed over: waiting for answers counts from here. */
  finishedAtMs: number;
  /** How far behind its schedule the latest send started: a replay that could not keep up says so. */
  maxLagMs: number;
}

/**
 * Sends the plan on its schedule (request i at start + its offset), without waiting for earlier
 * sends to be acknowledged, so a slow broker does not stretch the trace (open loop). Requests due at
 * the same moment go out together, up to MAX_REQUESTS_PER_SEND a send. Each deadline counts from the moment its request is handed over.
 */
export async function replayPlan(plan: readonly PlannedRequest[], options: ReplaySendOptions): Promise<ReplayOutcome> {
  const now = options.now ?? Date.now;
  const startedAtMs = now();
  const inFlight: Array<Promise<void>> = [];
  const failed: ReplayOutcome['failed'] = [];
  let sent = 0;
  let maxLagMs = 0;
  let next = 0;
  while (next < plan.length) {
    const wait = startedAtMs + (plan[next] as PlannedRequest).sendOffsetMs - now();
    if (wait > 0) await sleep(wait);
    const at = now();
    const due: SentRequest[] = [];
    while (next < plan.length && due.length < MAX_REQUESTS_PER_SEND && startedAtMs + (plan[next] as PlannedRequest).sendOffsetMs <= at) {
      maxLagMs = Math.max(maxLagMs, at - (startedAtMs + (plan[next] as PlannedRequest).sendOffsetMs));
      due.push(requestSentAt(plan[next] as PlannedRequest, at));
      next += 1;
    }
    inFlight.push(
      options.send(due).then(
        () => {
          sent += due.length;
          options.onSent?.(sent);
        },
        (error: unknown) => {
          const message = error instanceof Error ? error.message : String(error);
          for (const request of due) failed.push({ id: request.id, error: message });
        },
      ),
    );
  }
  await Promise.all(inFlight);
  return { sent, failed, startedAtMs, finishedAtMs: now(), maxLagMs: Math.round(maxLagMs) };
}
