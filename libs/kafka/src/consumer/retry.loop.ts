import { setTimeout as sleep } from 'node:timers/promises';
import type { DeadLetterFailure } from '../dead-letter/dead-letter.headers';
import { classifyError, errorMessage, type ErrorClass } from '../errors/error.classification';
import type { KafkaLogger } from '../port/logger.port';
import type { ConsumedMessage } from '../port/message.types';
import type { HoldOutcome, MessageOutcome } from './consumer.types';
import type { OutageBoard } from './outage.board';
import { retryDelayMs, type RetryPolicy } from './retry.policy';

/** 'abandoned': the runner gave up on the work (stopping); it stays uncommitted and is redelivered. */
export type Settled = 'done' | 'abandoned';

/** What the loop works on: anything that knows the message it stands for. */
export interface Attemptable {
  readonly message: ConsumedMessage;
}

export interface HeldItem<I> {
  item: I;
  held: Promise<HoldOutcome>;
}

/** How a run came out: with `done`, every item was handled or given up on; held ones are listed. */
export type LoopResult<I> = { settled: 'abandoned' } | { settled: 'done'; held: Array<HeldItem<I>> };

/**
 * One attempt at some items: resolves to nothing (all succeeded) or one outcome per item, in order.
 * Throwing (or answering with the wrong number of outcomes) fails every item with that error.
 */
export type Attempt<I> = (items: readonly I[], attempt: number) => unknown;

/** Gives up on an item: dead-letters it. 'abandoned' when stopping got there first. */
export type GiveUp<I> = (item: I, failure: DeadLetterFailure) => Promise<Settled>;

export interface RetryCounters {
  handled: number;
  retries: number;
}

export interface RetryLoopSettings {
  policy: RetryPolicy;
  logger: KafkaLogger;
  groupId: string;
  counters: RetryCounters;
  /** Aborted when stopping begins: waits between attempts end at once. */
  winding: AbortSignal;
  /** Aborted when the runner no longer waits for handlers: what they return then is not trusted. */
  abandon: AbortSignal;
  /** Where a run shows that it is waiting out an outage, for health. */
  outages?: OutageBoard;
}

export function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(errorMessage(error));
}

export function failureOf(failure: ErrorClass, error: unknown, attempts: number): DeadLetterFailure {
  const deadLetter: DeadLetterFailure = { code: failure.code, message: errorMessage(error), attempts };
  if (failure.kind === 'unexpected' && error instanceof Error) deadLetter.stack = error.stack;
  return deadLetter;
}

const ALL_OK: readonly MessageOutcome[] = [];

/**
 * The one retry loop of the runner, for batch handlers, per-message handlers (a batch of one) and
 * invalid-message handlers alike: attempt the items, give up on those whose failure is not
 * retryable or whose retries are used up, wait with backoff (the longest any failed item asks for)
 * and attempt the rest again. Items succeed or fail on their own; the loop never re-runs one that
 * succeeded. An outage (the database or the broker unreachable) is nobody's message's fault: items
 * that failed for one are retried, at the capped delay, for as long as it lasts, which holds their
 * partition where it is until the dependency is back.
 */
export class RetryLoop {
  constructor(private readonly settings: RetryLoopSettings) {}

  async run<I extends Attemptable>(items: readonly I[], attempt: Attempt<I>, giveUp: GiveUp<I>): Promise<LoopResult<I>> {
    const run = {};
    try {
      return await this.attemptUntilSettled(run, items, attempt, giveUp);
    } finally {
      this.settings.outages?.cleared(run);
    }
  }

  private async attemptUntilSettled<I extends Attemptable>(run: object, items: readonly I[], attempt: Attempt<I>, giveUp: GiveUp<I>): Promise<LoopResult<I>> {
    const { policy, counters, abandon } = this.settings;
    const held: Array<HeldItem<I>> = [];
    let pending = items;
    for (let attemptNo = 1; pending.length > 0; attemptNo += 1) {
      const outcomes = await this.attempt(attempt, pending, attemptNo);
      if (abandon.aborted) return { settled: 'abandoned' };
      if (outcomes === ALL_OK) {
        counters.handled += pending.length;
        break;
      }
      const retry: I[] = [];
      let delayMs = 0;
      let lastError: unknown;
      let outage: Extract<ErrorClass, { kind: 'outage' }> | undefined;
      for (let index = 0; index < pending.length; index += 1) {
        const item = pending[index]!;
        const outcome = outcomes[index]!;
        if (outcome.ok) {
          counters.handled += 1;
          if (outcome.held) held.push({ item, held: outcome.held });
          continue;
        }
        const failure = classifyError(outcome.error);
        if (failure.kind === 'non-retryable' || (failure.kind !== 'outage' && attemptNo > policy.maxRetries)) {
          if ((await giveUp(item, failureOf(failure, outcome.error, attemptNo))) === 'abandoned') return { settled: 'abandoned' };
          continue;
        }
        retry.push(item);
        lastError = outcome.error;
        if (failure.kind === 'outage') outage = failure;
        const retryAfterMs = failure.kind === 'retryable' ? failure.retryAfterMs : undefined;
        delayMs = Math.max(delayMs, retryDelayMs(policy, attemptNo, retryAfterMs));
      }
      pending = retry;
      if (outage) this.settings.outages?.waiting(run, outage.dependency, outage.reason);
      else this.settings.outages?.cleared(run);
      if (pending.length === 0) break;
      counters.retries += pending.length;
      const first = pending[0]!.message;
      this.settings.logger.warn(
        {
          groupId: this.settings.groupId,
          topic: first.topic,
          partition: first.partition,
          offset: first.offset,
          attempt: attemptNo,
          failed: pending.length,
          delayMs,
          err: toError(lastError),
        },
        outage !== undefined
          ? 'a dependency is unavailable; waiting for it before retrying'
          : pending.length === 1
            ? 'handler failed; retrying'
            : 'handler failed for some messages; retrying them',
      );
      if (!(await this.pause(delayMs))) return { settled: 'abandoned' };
    }
    return { settled: 'done', held };
  }

  private async attempt<I>(attempt: Attempt<I>, items: readonly I[], attemptNo: number): Promise<readonly MessageOutcome[]> {
    try {
      const outcomes = (await attempt(items, attemptNo)) as readonly MessageOutcome[] | undefined;
      if (outcomes === undefined) return ALL_OK;
      if (!Array.isArray(outcomes) || outcomes.length !== items.length) {
        throw new Error(`batch handler returned ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes for ${items.length} messages`);
      }
      // Array.isArray widened the elements to `any`; the declared type holds again once the check passed.
      return outcomes as readonly MessageOutcome[];
    } catch (error) {
      return items.map(() => ({ ok: false, error }));
    }
  }

  /** Waits the policy's delay before try `attemptNo + 1`; false if stopping began first. */
  waitBeforeRetry(attemptNo: number): Promise<boolean> {
    return this.pause(retryDelayMs(this.settings.policy, attemptNo));
  }

  /** False if stopping began before the wait was over (the work is then left for redelivery). */
  private async pause(ms: number): Promise<boolean> {
    try {
      await sleep(ms, undefined, { signal: this.settings.winding });
      return true;
    } catch {
      return false;
    }
  }
}
