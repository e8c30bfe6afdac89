import type { DependencyOutage } from './outage.board';
import type { ConsumedMessage, MessageHeaders } from '../port/message.types';

/** What a handler knows about the message it is handling. */
export interface MessageContext {
  topic: string;
  partition: number;
  offset: string;
  /** The record key as UTF-8, or null. */
  key: string | null;
  headers: MessageHeaders;
  timestamp: string;
  /**
   * The record's value bytes as fetched (a view, not a copy), for a handler that passes on what it
   * read without encoding it again; absent where no record stands behind the context.
   */
  raw?: Buffer | null;
  /** 1 on the first try in this process, then 2, 3, ... on retries. */
  attempt: number;
  /** Aborted when the runner gives up waiting for in-flight work (shutdown deadline, crash). */
  signal: AbortSignal;
  /** Handlers may beat explicitly; the runner also keeps beating while they run. */
  heartbeat(): Promise<void>;
}

/** A handler's return value is ignored; throwing decides retry or dead-letter (see errors/). */
export type MessageHandler<T> = (value: T, context: MessageContext) => unknown;

export interface InboundMessage<T> {
  value: T;
  context: MessageContext;
}

/**
 * How held work ended: `durable` lets the offset be committed; `handed-back` leaves it uncommitted
 * (the message is redelivered, to this consumer after a restart or to another after a rebalance).
 */
export type HoldOutcome = 'durable' | 'handed-back';

/**
 * `held`: the message was taken in, but only becomes durable later (a batch window that is submitted
 * minutes from now). The runner moves on to the following messages at once and commits past this one
 * only when `held` resolves `durable`; a rejected `held` sends the message to the dead-letter topic.
 * While held, the runner keeps only the message's position and key, not its value or headers (the
 * handler has those), so such a dead-letter record has neither: its original-topic, -partition and
 * -offset headers say where to read it. Messages of a batch that share one `held` promise are
 * tracked and settled as one: a handler holding many messages for the same work should share it.
 */
export type MessageOutcome = { ok: true; held?: Promise<HoldOutcome> } | { ok: false; error: unknown };

/**
 * Handles the validated messages of one batch at once. Returning nothing means all succeeded;
 * otherwise one outcome per message, in order. Throwing fails every message with that error.
 */
export type BatchHandler<T> = (messages: ReadonlyArray<InboundMessage<T>>) => unknown;

/** The shape @sluice/contracts' validateMessage returns. */
export interface ValidationIssue {
  code: string;
  message: string;
  field?: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; errors: readonly ValidationIssue[] };

export type Validate<T> = (plain: unknown, message: ConsumedMessage) => ValidationResult<T>;

export interface InvalidMessage {
  /** The decoded JSON that failed validation. */
  plain: unknown;
  errors: readonly ValidationIssue[];
  context: MessageContext;
}

/**
 * Replaces dead-lettering for messages that fail validation (e.g. ingestion emits a `rejected`
 * event). It is retried like a handler; throwing a NonRetryableError dead-letters the message.
 */
export type InvalidMessageHandler = (invalid: InvalidMessage) => unknown;

export interface ConsumerHealth {
  ready: boolean;
  reason?: string;
  /**
   * Dependencies that some of its work is waiting for (retrying at the capped delay), absent when none.
   * A consumer can be ready (joined, fetching) and still be held up by the database.
   */
  outages?: DependencyOutage[];
}

export interface ConsumerRunnerStats {
  inFlight: number;
  maxInFlight: number;
  pauses: number;
  resumes: number;
  handled: number;
  deadLettered: number;
  invalid: number;
  retries: number;
}
