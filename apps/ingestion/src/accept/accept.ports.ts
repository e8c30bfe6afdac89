import type { RequestSource } from '@sluice/contracts';
import type { RequestsRepository } from '@sluice/ledger';

/** Correlation headers carried from what the caller sent to every message ingestion produces for it. */
export interface Trace {
  correlationId?: string;
  traceparent?: string;
}

/** One message ingestion sends, keyed by the request id it is about. */
export interface OutboundMessage {
  topic: string;
  key: string;
  value: object;
  trace: Trace;
}

/** Sends messages together: all of them are written, or the call fails and nothing is reported as done. */
export interface IntakePublisher {
  publish(messages: readonly OutboundMessage[]): Promise<void>;
}

export type RequestLedger = Pick<RequestsRepository, 'insertMany'>;

/** What ingestion counts: requests taken in by where they came from, and refusals by reason. */
export interface IntakeCounters {
  accepted(source: RequestSource, count: number): void;
  rejected(code: string, count?: number): void;
}
