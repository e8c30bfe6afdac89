import type { CacheRepository, CoalescingRepository, RequestsRepository, ScheduledLaneMessagesRepository } from '@sluice/ledger';
import type { EstimateKey } from '@sluice/routing';

/** Where the router's messages go: a provider lane, the results, or the lifecycle events. */
export type Destination = 'realtime' | 'async' | 'batch' | 'results' | 'events';

/** One message the router sends: a lane request, a result, or a lifecycle event. */
export interface OutboundMessage {
  to: Destination;
  key: string;
  value: object;
}

/** Headers that follow a request from the message that caused them to every message it causes. */
export interface Correlation {
  requestId: string;
  correlationId?: string;
  traceparent?: string;
}

/** Sends the messages of one routing step together: all of them are written, or the call fails. */
export interface RouterPublisher {
  publish(messages: readonly OutboundMessage[], correlation: Correlation): Promise<void>;
}

/** One message with the correlation headers of the request it belongs to. */
export interface CorrelatedMessage {
  message: OutboundMessage;
  correlation: Correlation;
}

/**
 * Sends held lane messages as they are released, each on its own, so the broker refusing one holds up
 * none of the others. Settles once every message was written or refused, in the order given.
 */
export interface ReleasePublisher {
  publishEach(messages: readonly CorrelatedMessage[]): Promise<Array<PromiseSettledResult<void>>>;
}

export type RequestLedger = Pick<RequestsRepository, 'get' | 'recordRouting'>;

/** Where a lane message waits for its request's notBefore. */
export type HoldLedger = Pick<ScheduledLaneMessagesRepository, 'hold'>;

export type FlightLedger = Pick<CoalescingRepository, 'claimOrJoin'>;

export type CacheLedger = Pick<CacheRepository, 'hit'>;

/** A tenant's booked spend in the current UTC day, for its daily budget. */
export interface SpendSource {
  spentTodayUsd(tenant: string, now: Date): Promise<number>;
}

/** Planning estimate of completion time, in ms, for one provider, model and lane. */
export interface EstimateSource {
  estimateMs(key: EstimateKey, now: Date): number;
}
