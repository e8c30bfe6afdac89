import type { DueLaneMessage, RequestStatus } from '@sluice/ledger';
import type { CorrelatedMessage } from '../accepted/routing.ports';

/**
 * When a lane message must wait: the request's notBefore while it is still ahead of `now`; undefined
 * to send it at once. Every provider lane waits, the batch lane too: a batch window would otherwise
 * submit the request to the provider before its window.
 */
export function releaseAtFor(notBefore: string | undefined, now: Date): Date | undefined {
  if (notBefore === undefined) return undefined;
  const releaseAt = new Date(notBefore);
  return releaseAt.getTime() > now.getTime() ? releaseAt : undefined;
}

/** Statuses of a request that needs no lane any more: it was answered while it waited (by an identical request's result). */
const ANSWERED: readonly RequestStatus[] = ['succeeded', 'failed'];

export interface ReleasePlan {
  /** Due messages to publish now, each with the headers of the request it belongs to. */
  publish: Array<{ due: DueLaneMessage; outbound: CorrelatedMessage }>;
  /** Due messages whose request was answered meanwhile: released without reaching a lane, which would only pay for it twice. */
  answered: DueLaneMessage[];
}

/** What to do with the held messages claimed for release. */
export function planRelease(due: readonly DueLaneMessage[]): ReleasePlan {
  const plan: ReleasePlan = { publish: [], answered: [] };
  for (const message of due) {
    if (message.requestStatus !== null && ANSWERED.includes(message.requestStatus)) {
      plan.answered.push(message);
      continue;
    }
    plan.publish.push({
      due: message,
      outbound: {
        message: { to: message.lane, key: message.requestId, value: message.message },
        correlation: {
          requestId: message.requestId,
          ...(message.correlationId === undefined ? {} : { correlationId: message.correlationId }),
          ...(message.traceparent === undefined ? {} : { traceparent: message.traceparent }),
        },
      },
    });
  }
  return plan;
}

const RETRY_BASE_MS = 5_000;
const RETRY_MAX_MS = 5 * 60_000;

/**
 * When to try again a message the broker refused: 5 s, doubling per earlier attempt, at most 5 min.
 * Pushing it back lets the due messages behind it go meanwhile, whatever is wrong with it.
 */
export function retryAtAfter(attempts: number, now: Date): Date {
  return new Date(now.getTime() + Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(attempts, 16)));
}
