import type { CacheRepository, CoalescingRepository, RequestsRepository } from '@sluice/ledger';
import type { Lane, Turnaround } from '@sluice/routing';

/** Where the router's messages go: a provider lane, the results, or the lifecycle events. */
export type Destination = 'realtime' | 'async' | 'batch' | 'results' | 'events';

/** One message the router sends: a lane request, a result, or a lifecycle event. */
export interface OutboundMessage {
  to: Destination;
  key: string;
  /** An object to encode as JSON, or JSON already encoded. */
  value: object | Buffer;
}

/** Headers that follow a request from the message that caused them to every message it causes. */
export interface Correlation {
  requestId: string;
  correlationId?: string;
  traceparent?: string;
}

/** One message with the correlation headers of the request it belongs to. */
export interface CorrelatedMessage {
  message: OutboundMessage;
  correlation: Correlation;
}

/** Sends the messages of a routed batch together, across topics: all of them are written, or the call fails. */
export interface RouterPublisher {
  publish(messages: readonly CorrelatedMessage[]): Promise<void>;
}

/**
 * Sends held lane messages as they are released, each on its own, so the broker refusing one holds up
 * none of the others. Settles once every message was written or refused, in the order given.
 */
export interface ReleasePublisher {
  publishEach(messages: readonly CorrelatedMessage[]): Promise<Array<PromiseSettledResult<void>>>;
}

/** Reads a batch's requests, and records their routings with the lane messages held for notBefore. */
export type RequestLedger = Pick<RequestsRepository, 'getMany' | 'routeMany'>;

export type FlightLedger = Pick<CoalescingRepository, 'claimOrJoinMany'>;

export type CacheLedger = Pick<CacheRepository, 'hitMany'>;

/** Tenants' booked spend in the current UTC day, for their daily budgets, as last read in the background. */
export interface SpendSource {
  /** Undefined until the spend was read on the UTC day of `now`. */
  spentTodayUsd(tenant: string, now: Date): number | undefined;
  /** Reads it now: for the first batch after a boot or midnight, before the timer has. */
  refresh(now: Date): Promise<void>;
}

/** How one provider, model and lane turns requests around: its prior blended with what was learned, from memory. */
export interface TurnaroundSource {
  turnaround(provider: string, model: string, lane: Lane, now: Date): Turnaround;
}
