import type { DeadLetterFailure } from '../dead-letter/dead-letter.headers';
import type { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import { classifyError } from '../errors/error.classification';
import { FailureCode } from '../errors/failure.codes';
import type { KafkaLogger } from '../port/logger.port';
import type { ConsumedMessage } from '../port/message.types';
import type { BatchHandler, InvalidMessageHandler, MessageContext, MessageHandler, Validate, ValidationIssue } from './consumer.types';
import { HandlerContext, type BatchHeartbeat } from './handler.context';
import { decodeJson } from './json.decoder';
import type { OutageBoard } from './outage.board';
import { toError, type LoopResult, type RetryLoop, type Settled } from './retry.loop';

/** A message that decoded and validated: what the handler gets. */
export interface ValidMessage<T> {
  readonly message: ConsumedMessage;
  readonly value: T;
}

type Prepared<T> =
  { kind: 'valid'; value: T } | { kind: 'invalid'; plain: unknown; errors: readonly ValidationIssue[] } | { kind: 'unreadable'; failure: DeadLetterFailure };

export interface PipelineCounters {
  deadLettered: number;
  invalid: number;
}

export interface BatchPipelineSettings<T> {
  groupId: string;
  logger: KafkaLogger;
  /** Checked before anything else: a message it fails is dead-lettered under the failure's code, unread. */
  authenticate?: (message: ConsumedMessage) => DeadLetterFailure | undefined;
  validate?: Validate<T>;
  onInvalid?: InvalidMessageHandler;
  /** Exactly one of the two: a per-message handler is handed groups of one. */
  handle?: MessageHandler<T>;
  handleBatch?: BatchHandler<T>;
  retries: RetryLoop;
  deadLetters: DeadLetterPublisher;
  counters: PipelineCounters;
  /** Handed to handlers: aborted when the runner no longer waits for them. */
  abandon: AbortSignal;
  /** Where a dead-letter write waiting for the broker shows, for health. */
  outages?: OutageBoard;
}

function describeIssues(errors: readonly ValidationIssue[]): string {
  return errors.map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message)).join('; ');
}

/**
 * What happens to one group of a partition's messages: authenticate → decode → validate → the handler (through the
 * retry loop) → an outcome per message. Unreadable messages are dead-lettered, invalid ones go to
 * onInvalid (or the dead-letter topic), one at a time and in order, before the valid ones are handed
 * over together. Commits are not its business: it says whether the group settled and which messages
 * are held.
 */
export class BatchPipeline<T> {
  /** One attempt at the valid messages of a group, with the handler the runner was given. */
  private readonly attemptValid: (items: readonly ValidMessage<T>[], attempt: number, beats: BatchHeartbeat) => unknown;

  constructor(private readonly settings: BatchPipelineSettings<T>) {
    const { handle, handleBatch } = settings;
    if (handleBatch) {
      this.attemptValid = (items, attempt, beats) =>
        handleBatch(items.map(({ message, value }) => ({ value, context: this.contextFor(message, beats, attempt) })));
    } else if (handle) {
      // A per-message handler's return value means nothing: success is not throwing.
      this.attemptValid = async (items, attempt, beats) => {
        const { message, value } = items[0]!;
        await handle(value, this.contextFor(message, beats, attempt));
      };
    } else {
      throw new Error('BatchPipeline needs a handler');
    }
  }

  async process(group: readonly ConsumedMessage[], beats: BatchHeartbeat): Promise<LoopResult<ValidMessage<T>>> {
    const valid: Array<ValidMessage<T>> = [];
    for (const message of group) {
      const prepared = this.prepare(message);
      let settled: Settled = 'done';
      if (prepared.kind === 'valid') valid.push({ message, value: prepared.value });
      else if (prepared.kind === 'invalid') settled = await this.handleInvalid(message, beats, prepared);
      else settled = await this.deadLetter(message, prepared.failure);
      if (settled === 'abandoned') return { settled: 'abandoned' };
    }
    if (valid.length === 0) return { settled: 'done', held: [] };
    return this.settings.retries.run(
      valid,
      (items, attempt) => this.attemptValid(items, attempt, beats),
      (item, failure) => this.deadLetter(item.message, failure),
    );
  }

  /**
   * Parks a message on the dead-letter topic; 'abandoned' once the runner no longer waits. A write the
   * broker could not take because it is away (an outage) is tried again at the retry policy's capped
   * delay for as long as that lasts: the partition waits, as for any outage. Any other failure (the
   * topic missing, the record refused) throws: the consumer cannot go on without losing the message.
   */
  async deadLetter(message: ConsumedMessage, failure: DeadLetterFailure): Promise<Settled> {
    const write = {};
    try {
      return await this.writeDeadLetter(write, message, failure);
    } finally {
      this.settings.outages?.cleared(write);
    }
  }

  private async writeDeadLetter(write: object, message: ConsumedMessage, failure: DeadLetterFailure): Promise<Settled> {
    for (let attempt = 1; ; attempt += 1) {
      if (this.settings.abandon.aborted) return 'abandoned';
      try {
        await this.settings.deadLetters.publish(message, failure);
        break;
      } catch (error) {
        const kind = classifyError(error);
        if (kind.kind !== 'outage') throw error;
        this.settings.outages?.waiting(write, kind.dependency, kind.reason);
        this.settings.logger.warn(
          { groupId: this.settings.groupId, topic: message.topic, partition: message.partition, offset: message.offset, attempt, err: toError(error) },
          'the broker is unavailable for a dead-letter write; the partition waits and the write is tried again',
        );
        if (!(await this.settings.retries.waitBeforeRetry(attempt))) return 'abandoned';
      }
    }
    this.settings.counters.deadLettered += 1;
    this.settings.logger.warn(
      {
        groupId: this.settings.groupId,
        topic: message.topic,
        partition: message.partition,
        offset: message.offset,
        code: failure.code,
        attempts: failure.attempts,
        deadLetterTopic: this.settings.deadLetters.topic,
      },
      `message dead-lettered: ${failure.message}`,
    );
    return 'done';
  }

  private prepare(message: ConsumedMessage): Prepared<T> {
    const refused = this.settings.authenticate?.(message);
    if (refused !== undefined) return { kind: 'unreadable', failure: refused };
    const decoded = decodeJson(message.value);
    if (!decoded.ok) return { kind: 'unreadable', failure: { code: decoded.code, message: decoded.message, attempts: 1 } };
    const validate = this.settings.validate;
    if (!validate) return { kind: 'valid', value: decoded.value as T };
    try {
      const result = validate(decoded.value, message);
      return result.ok ? { kind: 'valid', value: result.value } : { kind: 'invalid', plain: decoded.value, errors: result.errors };
    } catch (error) {
      const failure = toError(error);
      return {
        kind: 'unreadable',
        failure: { code: FailureCode.UnexpectedError, message: `validator threw: ${failure.message}`, stack: failure.stack, attempts: 1 },
      };
    }
  }

  private async handleInvalid(
    message: ConsumedMessage,
    beats: BatchHeartbeat,
    invalid: { plain: unknown; errors: readonly ValidationIssue[] },
  ): Promise<Settled> {
    this.settings.counters.invalid += 1;
    const onInvalid = this.settings.onInvalid;
    if (!onInvalid) {
      return this.deadLetter(message, { code: FailureCode.ValidationFailed, message: describeIssues(invalid.errors), attempts: 1 });
    }
    const result = await this.settings.retries.run(
      [{ message }],
      async (_items, attempt) => {
        await onInvalid({ plain: invalid.plain, errors: invalid.errors, context: this.contextFor(message, beats, attempt) });
      },
      (item, failure) => this.deadLetter(item.message, failure),
    );
    return result.settled;
  }

  private contextFor(message: ConsumedMessage, beats: BatchHeartbeat, attempt: number): MessageContext {
    return new HandlerContext(message, attempt, this.settings.abandon, beats);
  }
}
