import type { InferenceResultV1 } from '@sluice/contracts';
import { BookedResult, CallAhead, CompletionsRepository, requestKey } from '@sluice/ledger';
import type { Logger } from 'pino';
import type { WorkerLane } from '../limiter/concurrency.limiter';
import type { Correlation, LaneOutput } from './lane-request.handler';

/** One lane message of a fetched batch, as the filter needs it. */
export interface LaneDelivery {
  tenant: string;
  requestId: string;
  correlation: Correlation;
  /** The provider call the message gets unless its request is answered: written ahead in the same query. */
  call: CallAhead;
}

/** What happens to a lane message whose request the ledger already completed. */
export type AnsweredAction = 'republished' | 'acknowledged';

export interface AnsweredPlan {
  /** Per message, in order: call the provider, or not (its request has its result). */
  call: boolean[];
  /** Stored results to publish again, one per request: their delivery had not finished. */
  republish: Array<{ result: InferenceResultV1; correlation: Correlation }>;
  /** Per message not called: what was done about it. */
  actions: Array<AnsweredAction | undefined>;
}

/**
 * Which lane messages of a batch need a provider call, given the completions booked for their
 * requests. A request with a booked result is never called again, whatever the lane: its user has
 * (or will have) exactly that result. The stored result is published again, once per request, only
 * when its delivery had not finished (booked, not yet published): the notifier then books it as the
 * same result (`already-booked`) and finishes the delivery, with the same ids; a published one is
 * only acknowledged, so readers of the results topic see no extra copy. A completion stored before
 * results were kept (no result) is acknowledged: the notifier's own redelivery finishes it.
 */
export function planAnswered(deliveries: readonly LaneDelivery[], booked: ReadonlyMap<string, BookedResult>): AnsweredPlan {
  const plan: AnsweredPlan = { call: [], republish: [], actions: [] };
  const republished = new Set<string>();
  for (const delivery of deliveries) {
    const key = requestKey(delivery.tenant, delivery.requestId);
    const completion = booked.get(key);
    plan.call.push(completion === undefined);
    if (completion === undefined) {
      plan.actions.push(undefined);
    } else if (completion.published || completion.result === null || republished.has(key)) {
      plan.actions.push('acknowledged');
    } else {
      republished.add(key);
      plan.republish.push({ result: completion.result, correlation: delivery.correlation });
      plan.actions.push('republished');
    }
  }
  return plan;
}

export interface AnsweredObserver {
  answered(lane: WorkerLane, action: AnsweredAction): void;
  ledgerCheckFailed(lane: WorkerLane): void;
}

export interface AnsweredRequestsDeps {
  ledger: Pick<CompletionsRepository, 'bookedResults'>;
  output: Pick<LaneOutput, 'publishResults'>;
  observer: AnsweredObserver;
  log: Logger;
}

/**
 * Keeps a redelivered lane message from paying the provider twice: before a fetched batch's calls
 * start, one ledger query finds the requests already completed, and those are answered from the
 * ledger (planAnswered) instead; the same query writes the other messages' provider calls ahead, so
 * a call cut off by a crash is booked all the same (the notifier's sweep). When the ledger cannot be
 * read, every message is called, unrecorded: the realtime lane keeps serving through a database
 * outage, and a second call that results from it is still booked, as extra spend, by the notifier.
 */
export class AnsweredRequests {
  constructor(private readonly deps: AnsweredRequestsDeps) {}

  /** Per message, in order: whether its provider call is to be made. Throws only if republishing fails. */
  async toCall(lane: WorkerLane, deliveries: readonly LaneDelivery[]): Promise<boolean[]> {
    let booked: ReadonlyMap<string, BookedResult>;
    try {
      booked = await this.deps.ledger.bookedResults(deliveries.map(({ tenant, requestId, call }) => ({ tenant, requestId, call })));
    } catch (error) {
      this.deps.observer.ledgerCheckFailed(lane);
      this.deps.log.warn({ err: error, lane, messages: deliveries.length }, 'could not read booked results; calling the provider for every message');
      return deliveries.map(() => true);
    }
    const plan = planAnswered(deliveries, booked);
    if (plan.republish.length > 0) await this.deps.output.publishResults(plan.republish);
    plan.actions.forEach((action, index) => {
      if (action === undefined) return;
      this.deps.observer.answered(lane, action);
      const { tenant, requestId } = deliveries[index]!;
      this.deps.log.info({ lane, tenant, requestId, action }, 'lane message for a request already answered; the provider is not called');
    });
    return plan.call;
  }
}
