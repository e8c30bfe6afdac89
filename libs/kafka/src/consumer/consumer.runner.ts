import { DEFAULT_DEAD_LETTER_TOPIC, type DeadLetterFailure } from '../dead-letter/dead-letter.headers';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import { classifyError, errorMessage, type ErrorClass } from '../errors/error.classification';
import { FailureCode } from '../errors/failure.codes';
import type { BatchContext, ConsumerDriver, CrashEvent, GroupJoinEvent } from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';
import type { ConsumedMessage } from '../port/message.types';
import { KafkaProducer } from '../producer/kafka.producer';
import { RUNNER_DEFAULTS, type ConsumerRunnerOptions } from './consumer-runner.options';
import type {
  ConsumerHealth,
  ConsumerRunnerStats,
  InboundMessage,
  MessageContext,
  MessageOutcome,
  ValidationIssue,
  ValidationResult,
} from './consumer.types';
import { exitOnFatal } from './fatal.handler';
import { startPacemaker } from './heartbeat.pacemaker';
import { InFlightGate } from './in-flight.gate';
import { decodeJson } from './json.decoder';
import { resolveRetryPolicy, retryDelayMs, type RetryPolicy } from './retry.policy';

type RunnerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped' | 'crashed';

/** 'abandoned': the runner gave up on the message (stopping); it stays uncommitted and is redelivered. */
type Settled = 'done' | 'abandoned';

type Prepared<T> =
  | { kind: 'valid'; value: T }
  | { kind: 'invalid'; plain: unknown; errors: readonly ValidationIssue[] }
  | { kind: 'unreadable'; failure: DeadLetterFailure };

interface BatchControl {
  /** A heartbeat failed (rebalance, lost membership): finish what runs, start nothing new. */
  lost: boolean;
}

function nextOffset(offset: string): string {
  return (BigInt(offset) + 1n).toString();
}

function describeIssues(errors: readonly ValidationIssue[]): string {
  return errors.map((issue) => (issue.field ? `${issue.field}: ${issue.message}` : issue.message)).join('; ');
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(errorMessage(error));
}

/**
 * Consumes topics with at-least-once delivery: for each message, decode → validate → handle →
 * commit offset+1, in partition order. Failures never block a partition: retryable ones are
 * retried with backoff, the rest (and exhausted ones) go to the dead-letter topic before the
 * offset is committed. What the runner cannot handle itself — the consumer crashed for good, or a
 * dead-letter write failed — makes it unhealthy and calls onFatal.
 */
export class ConsumerRunner<T = unknown> {
  private readonly logger: KafkaLogger;
  private readonly topics: readonly string[];
  private readonly retryPolicy: RetryPolicy;
  private readonly gate: InFlightGate;
  private readonly deadLetterProducer: KafkaProducer;
  private readonly ownsDeadLetterProducer: boolean;
  private readonly deadLetters: DeadLetterPublisher;
  private readonly onFatal: (error: Error) => unknown;
  private readonly heartbeatIntervalMs: number;
  private readonly maxBatchSize: number;
  private readonly consumer: ConsumerDriver;
  /** Interrupts retry waits as soon as stopping begins. */
  private readonly winding = new AbortController();
  /** Tells handlers the runner no longer waits for them. */
  private readonly abandon = new AbortController();
  private state: RunnerState = 'idle';
  private joined = false;
  private notJoinedReason = 'waiting to join the consumer group';
  private crashReason?: string;
  private startPromise?: Promise<void>;
  private stopPromise?: Promise<void>;
  private readonly counters = { handled: 0, deadLettered: 0, invalid: 0, retries: 0 };

  constructor(private readonly options: ConsumerRunnerOptions<T>) {
    if (options.topics.length === 0) throw new Error('ConsumerRunner needs at least one topic');
    if (!options.handle === !options.handleBatch) {
      throw new Error('ConsumerRunner needs exactly one of handle and handleBatch');
    }
    this.logger = options.logger ?? options.kafka.logger;
    this.topics = [...new Set(options.topics)];
    this.retryPolicy = resolveRetryPolicy(options.retry);
    this.maxBatchSize = options.maxBatchSize ?? RUNNER_DEFAULTS.maxBatchSize;
    if (!Number.isInteger(this.maxBatchSize) || this.maxBatchSize < 1) {
      throw new Error(`maxBatchSize must be a positive integer, got ${this.maxBatchSize}`);
    }
    this.gate = new InFlightGate(options.backpressure ?? RUNNER_DEFAULTS.backpressure, {
      onPause: () => this.pauseFetching(),
      onResume: () => this.resumeFetching(),
    });
    this.ownsDeadLetterProducer = !options.deadLetter?.producer;
    this.deadLetterProducer =
      options.deadLetter?.producer ?? new KafkaProducer(options.kafka, { retry: options.deadLetter?.retry });
    this.deadLetters = new DeadLetterPublisher(
      this.deadLetterProducer,
      options.deadLetter?.topic ?? DEFAULT_DEAD_LETTER_TOPIC,
    );
    this.onFatal = options.onFatal ?? exitOnFatal(this.logger);
    const session = { ...RUNNER_DEFAULTS.session, ...options.session };
    this.heartbeatIntervalMs = session.heartbeatIntervalMs;
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeoutMs: session.sessionTimeoutMs,
      heartbeatIntervalMs: session.heartbeatIntervalMs,
      rebalanceTimeoutMs: session.rebalanceTimeoutMs,
      maxWaitTimeMs: session.maxWaitTimeMs,
      retry: session.retry,
    });
    this.consumer.onGroupJoin((event) => this.onGroupJoin(event));
    this.consumer.onCrash((event) => this.onCrash(event));
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** Connects, subscribes and starts consuming; readiness follows once the group is joined. */
  start(): Promise<void> {
    if (this.state !== 'idle') return Promise.reject(new Error(`ConsumerRunner cannot start: it is ${this.state}`));
    this.state = 'starting';
    this.startPromise = this.connectAndRun().catch(async (error: unknown) => {
      this.state = 'stopped';
      await this.closeConnections();
      throw error;
    });
    return this.startPromise;
  }

  /**
   * Stops fetching, lets in-flight handlers finish within shutdownTimeoutMs and commits what
   * completed, then disconnects. Handlers still running at the deadline are abandoned: their
   * messages stay uncommitted and are redelivered to the group.
   */
  stop(): Promise<void> {
    this.stopPromise ??= this.shutDown();
    return this.stopPromise;
  }

  /** Stops taking new messages and pauses fetching until resume(). */
  pause(): void {
    this.gate.pause();
  }

  resume(): void {
    this.gate.resume();
  }

  health(): ConsumerHealth {
    if (this.state === 'crashed') return { ready: false, reason: this.crashReason };
    if (this.state !== 'running') return { ready: false, reason: `consumer is ${this.state}` };
    if (!this.joined) return { ready: false, reason: this.notJoinedReason };
    return { ready: true };
  }

  stats(): ConsumerRunnerStats {
    return { ...this.gate.stats(), ...this.counters };
  }

  private async connectAndRun(): Promise<void> {
    if (this.ownsDeadLetterProducer) await this.deadLetterProducer.connect();
    await this.consumer.connect();
    await this.consumer.subscribe(this.topics, this.options.fromBeginning ?? RUNNER_DEFAULTS.fromBeginning);
    await this.consumer.run({
      partitionsConsumedConcurrently:
        this.options.partitionsConsumedConcurrently ?? RUNNER_DEFAULTS.partitionsConsumedConcurrently,
      eachBatch: (batch) => this.processBatch(batch),
    });
    // run() returns once the group is joined, unless the driver crashed meanwhile.
    if (this.state !== 'starting') return;
    this.state = 'running';
    this.logger.info({ groupId: this.groupId, topics: this.topics }, 'kafka consumer started');
  }

  private async shutDown(): Promise<void> {
    await this.startPromise?.catch(() => undefined);
    if (this.state === 'idle' || this.state === 'stopped') {
      this.state = 'stopped';
      return;
    }
    const crashed = this.state === 'crashed';
    if (!crashed) {
      this.state = 'stopping';
      this.logger.info({ groupId: this.groupId, inFlight: this.gate.stats().inFlight }, 'kafka consumer stopping');
    }
    this.gate.close();
    this.winding.abort();
    const timeoutMs = this.options.shutdownTimeoutMs ?? RUNNER_DEFAULTS.shutdownTimeoutMs;
    const drained = await this.withinDeadline(this.consumer.stop(), timeoutMs);
    if (!drained) {
      this.abandon.abort();
      this.logger.warn(
        { groupId: this.groupId, timeoutMs, inFlight: this.gate.stats().inFlight },
        'in-flight handlers did not finish in time; their messages stay uncommitted and will be redelivered',
      );
    }
    if (drained) {
      await this.closeConnections();
    } else {
      // Disconnecting waits for the same handlers; let it finish whenever they do (or the process ends).
      void this.consumer.disconnect().catch((error: unknown) =>
        this.logger.warn({ groupId: this.groupId, err: error }, 'error while disconnecting the kafka consumer'),
      );
      await this.closeConnections(false);
    }
    if (!crashed) this.state = 'stopped';
    this.logger.info({ groupId: this.groupId, ...this.stats() }, 'kafka consumer stopped');
  }

  private async closeConnections(includeConsumer = true): Promise<void> {
    const closing: Array<Promise<void>> = [];
    if (includeConsumer) closing.push(this.consumer.disconnect());
    if (this.ownsDeadLetterProducer) closing.push(this.deadLetterProducer.disconnect());
    for (const result of await Promise.allSettled(closing)) {
      if (result.status === 'rejected') {
        this.logger.warn({ groupId: this.groupId, err: result.reason }, 'error while closing kafka connections');
      }
    }
  }

  private async withinDeadline(work: Promise<unknown>, timeoutMs: number): Promise<boolean> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    try {
      return await Promise.race([
        work.then(
          () => true,
          (error: unknown) => {
            this.logger.warn({ groupId: this.groupId, err: error }, 'error while stopping the kafka consumer');
            return true;
          },
        ),
        deadline,
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  private onGroupJoin(event: GroupJoinEvent): void {
    this.joined = true;
    // A restarted driver starts with nothing paused: carry an active pause over.
    if (this.gate.paused) this.pauseFetching();
    this.logger.info(
      { groupId: this.groupId, memberId: event.memberId, assignment: event.assignment, ready: true },
      'kafka consumer joined its group and is ready',
    );
  }

  private onCrash({ error, restart }: CrashEvent): void {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    if (restart) {
      this.joined = false;
      this.notJoinedReason = `restarting after a crash: ${error.message}`;
      this.logger.warn({ groupId: this.groupId, err: error, ready: false }, 'kafka consumer crashed; the driver restarts it');
      return;
    }
    this.fail(error);
  }

  /** The consumer cannot go on: report it, stop consuming, and hand over to onFatal. */
  private fail(error: Error): void {
    if (this.state === 'stopping' || this.state === 'stopped') {
      this.logger.error({ groupId: this.groupId, err: error }, 'kafka consumer failed while stopping');
      return;
    }
    if (this.state === 'crashed') return;
    this.state = 'crashed';
    this.crashReason = `consumer crashed: ${error.message}`;
    this.logger.error(
      { groupId: this.groupId, err: error, ready: false, reason: this.crashReason },
      'kafka consumer is not ready: crashed',
    );
    this.gate.close();
    this.winding.abort();
    this.abandon.abort();
    void this.closeConnections();
    void Promise.resolve()
      .then(() => this.onFatal(error))
      .catch((hookError: unknown) => this.logger.error({ err: hookError }, 'onFatal threw'));
  }

  private pauseFetching(): void {
    this.logger.debug({ groupId: this.groupId, ...this.gate.stats() }, 'pausing fetch');
    try {
      this.consumer.pause(this.topics);
    } catch (error) {
      // Not running yet (or restarting): onGroupJoin applies the pause once it is.
      this.logger.debug({ groupId: this.groupId, err: error }, 'pause deferred until the consumer runs');
    }
  }

  private resumeFetching(): void {
    this.logger.debug({ groupId: this.groupId, ...this.gate.stats() }, 'resuming fetch');
    try {
      this.consumer.resume(this.topics);
    } catch (error) {
      this.logger.debug({ groupId: this.groupId, err: error }, 'resume skipped: consumer not running');
    }
  }

  /** Batches can arrive between the group join and run() returning. */
  private get consuming(): boolean {
    return this.state === 'running' || this.state === 'starting';
  }

  private async processBatch(batch: BatchContext): Promise<void> {
    if (!this.consuming) return;
    const control: BatchControl = { lost: false };
    const stopPacemaker = startPacemaker(
      () => batch.heartbeat(),
      this.heartbeatIntervalMs,
      (error) => {
        control.lost = true;
        this.logger.debug(
          { groupId: this.groupId, topic: batch.topic, partition: batch.partition, err: error },
          'heartbeat failed; finishing the batch early',
        );
      },
    );
    try {
      if (this.options.handle) {
        await this.processEachMessage(batch, control);
      } else {
        await this.processInGroups(batch, control);
      }
    } catch (error) {
      this.fail(toError(error));
    } finally {
      stopPacemaker();
    }
  }

  private canContinue(batch: BatchContext, control: BatchControl): boolean {
    return this.consuming && batch.isRunning() && !batch.isStale() && !control.lost;
  }

  private async processEachMessage(batch: BatchContext, control: BatchControl): Promise<void> {
    for (const message of batch.messages) {
      if (!this.canContinue(batch, control)) return;
      if (!(await this.gate.acquire(1))) return;
      let settled: Settled;
      try {
        settled = await this.processMessage(message, batch);
      } finally {
        this.gate.release(1);
      }
      if (settled === 'abandoned' || !(await this.commit(batch, message))) return;
    }
  }

  private async processInGroups(batch: BatchContext, control: BatchControl): Promise<void> {
    for (let start = 0; start < batch.messages.length; start += this.maxBatchSize) {
      if (!this.canContinue(batch, control)) return;
      const group = batch.messages.slice(start, start + this.maxBatchSize);
      if (!(await this.gate.acquire(group.length))) return;
      let settled: Settled;
      try {
        settled = await this.processGroup(group, batch);
      } finally {
        this.gate.release(group.length);
      }
      if (settled === 'abandoned' || !(await this.commit(batch, group[group.length - 1]!))) return;
    }
  }

  private prepare(message: ConsumedMessage): Prepared<T> {
    const decoded = decodeJson(message.value);
    if (!decoded.ok) return { kind: 'unreadable', failure: { code: decoded.code, message: decoded.message, attempts: 1 } };
    if (!this.options.validate) return { kind: 'valid', value: decoded.value as T };
    let result: ValidationResult<T>;
    try {
      result = this.options.validate(decoded.value, message);
    } catch (error) {
      const failure = toError(error);
      return {
        kind: 'unreadable',
        failure: { code: FailureCode.UnexpectedError, message: `validator threw: ${failure.message}`, stack: failure.stack, attempts: 1 },
      };
    }
    return result.ok
      ? { kind: 'valid', value: result.value }
      : { kind: 'invalid', plain: decoded.value, errors: result.errors };
  }

  private async processMessage(message: ConsumedMessage, batch: BatchContext): Promise<Settled> {
    const prepared = this.prepare(message);
    switch (prepared.kind) {
      case 'unreadable':
        return this.deadLetter(message, prepared.failure);
      case 'invalid':
        return this.handleInvalid(message, batch, prepared);
      case 'valid': {
        const handle = this.options.handle!;
        return this.withRetries(message, batch, (context) => handle(prepared.value, context));
      }
    }
  }

  private handleInvalid(
    message: ConsumedMessage,
    batch: BatchContext,
    invalid: { plain: unknown; errors: readonly ValidationIssue[] },
  ): Promise<Settled> {
    this.counters.invalid += 1;
    const onInvalid = this.options.onInvalid;
    if (!onInvalid) {
      return this.deadLetter(message, {
        code: FailureCode.ValidationFailed,
        message: describeIssues(invalid.errors),
        attempts: 1,
      });
    }
    return this.withRetries(message, batch, (context) =>
      onInvalid({ plain: invalid.plain, errors: invalid.errors, context }),
    );
  }

  private async withRetries(
    message: ConsumedMessage,
    batch: BatchContext,
    work: (context: MessageContext) => unknown,
  ): Promise<Settled> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await work(this.contextFor(message, batch, attempt));
        if (this.abandon.signal.aborted) return 'abandoned';
        this.counters.handled += 1;
        return 'done';
      } catch (error) {
        if (this.abandon.signal.aborted) return 'abandoned';
        const failure = classifyError(error);
        if (failure.kind === 'non-retryable' || attempt > this.retryPolicy.maxRetries) {
          return this.deadLetter(message, this.failureOf(failure, error, attempt));
        }
        const delayMs = retryDelayMs(this.retryPolicy, attempt, failure.kind === 'retryable' ? failure.retryAfterMs : undefined);
        this.counters.retries += 1;
        this.logger.warn(
          { ...this.where(message), attempt, code: failure.code, delayMs, err: toError(error) },
          'handler failed; retrying',
        );
        if (!(await this.pauseFor(delayMs))) return 'abandoned';
      }
    }
  }

  private async processGroup(group: readonly ConsumedMessage[], batch: BatchContext): Promise<Settled> {
    let pending: Array<{ message: ConsumedMessage; value: T }> = [];
    for (const message of group) {
      const prepared = this.prepare(message);
      let settled: Settled = 'done';
      if (prepared.kind === 'valid') pending.push({ message, value: prepared.value });
      else if (prepared.kind === 'invalid') settled = await this.handleInvalid(message, batch, prepared);
      else settled = await this.deadLetter(message, prepared.failure);
      if (settled === 'abandoned') return 'abandoned';
    }
    const handleBatch = this.options.handleBatch!;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const inbound: Array<InboundMessage<T>> = pending.map(({ message, value }) => ({
        value,
        context: this.contextFor(message, batch, attempt),
      }));
      const outcomes = await this.runBatchHandler(handleBatch, inbound);
      if (this.abandon.signal.aborted) return 'abandoned';
      const retry: typeof pending = [];
      let delayMs = 0;
      for (const [index, entry] of pending.entries()) {
        const outcome = outcomes[index]!;
        if (outcome.ok) {
          this.counters.handled += 1;
          continue;
        }
        const failure = classifyError(outcome.error);
        if (failure.kind === 'non-retryable' || attempt > this.retryPolicy.maxRetries) {
          await this.deadLetter(entry.message, this.failureOf(failure, outcome.error, attempt));
          continue;
        }
        retry.push(entry);
        const retryAfterMs = failure.kind === 'retryable' ? failure.retryAfterMs : undefined;
        delayMs = Math.max(delayMs, retryDelayMs(this.retryPolicy, attempt, retryAfterMs));
      }
      pending = retry;
      if (pending.length > 0) {
        this.counters.retries += pending.length;
        this.logger.warn(
          { groupId: this.groupId, topic: batch.topic, partition: batch.partition, attempt, failed: pending.length, delayMs },
          'batch handler failed for some messages; retrying them',
        );
        if (!(await this.pauseFor(delayMs))) return 'abandoned';
      }
    }
    return 'done';
  }

  private async runBatchHandler(
    handleBatch: (messages: ReadonlyArray<InboundMessage<T>>) => unknown,
    inbound: Array<InboundMessage<T>>,
  ): Promise<readonly MessageOutcome[]> {
    try {
      const outcomes = (await handleBatch(inbound)) as readonly MessageOutcome[] | undefined | void;
      if (outcomes === undefined) return inbound.map(() => ({ ok: true }));
      if (!Array.isArray(outcomes) || outcomes.length !== inbound.length) {
        throw new Error(`batch handler returned ${Array.isArray(outcomes) ? outcomes.length : 'no'} outcomes for ${inbound.length} messages`);
      }
      return outcomes;
    } catch (error) {
      return inbound.map(() => ({ ok: false, error }));
    }
  }

  private failureOf(failure: ErrorClass, error: unknown, attempts: number): DeadLetterFailure {
    const deadLetter: DeadLetterFailure = { code: failure.code, message: errorMessage(error), attempts };
    if (failure.kind === 'unexpected' && error instanceof Error) deadLetter.stack = error.stack;
    return deadLetter;
  }

  private async deadLetter(message: ConsumedMessage, failure: DeadLetterFailure): Promise<Settled> {
    if (this.abandon.signal.aborted) return 'abandoned';
    await this.deadLetters.publish(message, failure);
    this.counters.deadLettered += 1;
    this.logger.warn(
      { ...this.where(message), code: failure.code, attempts: failure.attempts, deadLetterTopic: this.deadLetters.topic },
      `message dead-lettered: ${failure.message}`,
    );
    return 'done';
  }

  /** False when committing failed (typically a rebalance took the partition): stop this batch. */
  private async commit(batch: BatchContext, message: ConsumedMessage): Promise<boolean> {
    batch.resolveOffset(message.offset);
    try {
      await batch.commit(nextOffset(message.offset));
      return true;
    } catch (error) {
      this.logger.warn(
        { ...this.where(message), err: toError(error) },
        'offset commit failed; the uncommitted messages of this partition will be redelivered',
      );
      return false;
    }
  }

  /** Waits between retries; false if stopping began meanwhile (the message is then left for redelivery). */
  private pauseFor(ms: number): Promise<boolean> {
    const signal = this.winding.signal;
    if (signal.aborted) return Promise.resolve(false);
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer);
        resolve(false);
      };
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  private contextFor(message: ConsumedMessage, batch: BatchContext, attempt: number): MessageContext {
    return {
      topic: message.topic,
      partition: message.partition,
      offset: message.offset,
      key: message.key?.toString('utf8') ?? null,
      headers: message.headers,
      timestamp: message.timestamp,
      attempt,
      signal: this.abandon.signal,
      heartbeat: () => batch.heartbeat(),
    };
  }

  private where(message: ConsumedMessage): Record<string, unknown> {
    return { groupId: this.groupId, topic: message.topic, partition: message.partition, offset: message.offset };
  }
}
