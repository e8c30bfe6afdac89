import { DEFAULT_DEAD_LETTER_TOPIC, type DeadLetterFailure } from '../dead-letter/dead-letter.headers';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import { classifyError, errorMessage, type ErrorClass } from '../errors/error.classification';
import { FailureCode } from '../errors/failure.codes';
import type { BatchContext, ConsumerDriver, CrashEvent, GroupJoinEvent } from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';
import type { ConsumedMessage } from '../port/message.types';
import { HeldOffsets } from './held-offsets';
import { KafkaProducer } from '../producer/kafka.producer';
import { RUNNER_DEFAULTS, type ConsumerRunnerOptions } from './consumer-runner.options';
import type {
  ConsumerHealth,
  ConsumerRunnerStats,
  HoldOutcome,
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

interface Held {
  message: ConsumedMessage;
  held: Promise<HoldOutcome>;
}

/** One partition's commit position in the current group generation. */
interface PartitionCommits {
  offsets: HeldOffsets;
  /** The latest fetched batch of the partition: its commit reaches the coordinator at any time. */
  batch: BatchContext;
  committing?: Promise<boolean>;
  again: boolean;
}

/** What processing a group came to: messages whose offsets wait for held work are listed. */
type GroupSettled = { settled: 'abandoned' } | { settled: 'done'; held: Held[] };

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
  /**
   * Commit positions of batch-mode partitions, reset on every group join: a rejoin fetches from the
   * committed offsets again, so held messages of the old generation come back and must not be
   * committed for by work that settles later.
   */
  private commits = new Map<string, PartitionCommits>();
  private outstandingHolds = 0;
  private holdsSettled?: { promise: Promise<void>; resolve: () => void };

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
    const began = Date.now();
    // Held work commits through the group it joined: it must settle before the consumer leaves.
    if (!crashed && !(await this.holdsDrained(timeoutMs))) {
      this.logger.warn({ groupId: this.groupId, held: this.outstandingHolds }, 'held messages did not settle in time; they stay uncommitted and will be redelivered');
    }
    const drained = await this.withinDeadline(this.consumer.stop(), Math.max(0, timeoutMs - (Date.now() - began)));
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
    this.commits = new Map();
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
      let outcome: GroupSettled;
      try {
        outcome = await this.processGroup(group, batch);
      } catch (error) {
        this.gate.release(group.length);
        throw error;
      }
      // A held message keeps its place in the gate until its work is durable: what is held is in memory.
      const held = outcome.settled === 'done' ? outcome.held : [];
      this.gate.release(group.length - held.length);
      if (outcome.settled === 'abandoned') return;
      const partition = this.partitionCommits(batch);
      for (const entry of held) this.track(partition, entry);
      partition.offsets.processed(group[group.length - 1]!.offset);
      // Resolving lets the next fetch start after the group, held messages or not; the commit does not pass them.
      batch.resolveOffset(group[group.length - 1]!.offset);
      if (!(await this.commitPartition(partition))) return;
    }
  }

  private partitionCommits(batch: BatchContext): PartitionCommits {
    const key = `${batch.topic}\u0000${batch.partition}`;
    const existing = this.commits.get(key);
    if (existing) {
      existing.batch = batch;
      return existing;
    }
    const created: PartitionCommits = { offsets: new HeldOffsets(), batch, again: false };
    this.commits.set(key, created);
    return created;
  }

  private track(partition: PartitionCommits, { message, held }: Held): void {
    partition.offsets.hold(message.offset);
    this.outstandingHolds += 1;
    const settle = async (): Promise<void> => {
      let outcome: HoldOutcome;
      try {
        outcome = await held;
      } catch (error) {
        const failure = classifyError(error);
        await this.deadLetter(message, this.failureOf(failure, error, 1));
        outcome = 'durable';
      }
      // A rejoin since the hold began replaced this partition's commits: the message comes back anyway.
      if (outcome === 'durable' && this.commits.get(`${message.topic}\u0000${message.partition}`) === partition) {
        partition.offsets.release(message.offset);
        await this.commitPartition(partition);
      }
    };
    void settle()
      .catch((error: unknown) => this.fail(toError(error)))
      .finally(() => {
        this.gate.release(1);
        this.outstandingHolds -= 1;
        if (this.outstandingHolds === 0) this.holdsSettled?.resolve();
      });
  }

  /**
   * Commits as far as the partition's held messages allow. One commit runs per partition at a time;
   * settlements arriving meanwhile are folded into one more commit after it. False when a commit failed.
   */
  private commitPartition(partition: PartitionCommits): Promise<boolean> {
    if (partition.committing) {
      partition.again = true;
      return partition.committing;
    }
    const committing = this.commitWhileAdvancing(partition).finally(() => {
      if (partition.committing === committing) partition.committing = undefined;
    });
    partition.committing = committing;
    return committing;
  }

  private async commitWhileAdvancing(partition: PartitionCommits): Promise<boolean> {
    do {
      partition.again = false;
      const next = partition.offsets.committable();
      if (next === undefined) continue;
      try {
        await partition.batch.commit(next);
        partition.offsets.committedTo(next);
      } catch (error) {
        this.logger.warn(
          { groupId: this.groupId, topic: partition.batch.topic, partition: partition.batch.partition, offset: next, err: toError(error) },
          'offset commit failed; the uncommitted messages of this partition will be redelivered',
        );
        return false;
      }
    } while (partition.again);
    return true;
  }

  /** Resolves once no held work is outstanding (or the deadline passed): what stopping waits for first. */
  private async holdsDrained(timeoutMs: number): Promise<boolean> {
    if (this.outstandingHolds === 0) return true;
    if (!this.holdsSettled) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.holdsSettled = { promise, resolve };
    }
    return this.withinDeadline(this.holdsSettled.promise, timeoutMs);
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

  private async processGroup(group: readonly ConsumedMessage[], batch: BatchContext): Promise<GroupSettled> {
    let pending: Array<{ message: ConsumedMessage; value: T }> = [];
    for (const message of group) {
      const prepared = this.prepare(message);
      let settled: Settled = 'done';
      if (prepared.kind === 'valid') pending.push({ message, value: prepared.value });
      else if (prepared.kind === 'invalid') settled = await this.handleInvalid(message, batch, prepared);
      else settled = await this.deadLetter(message, prepared.failure);
      if (settled === 'abandoned') return { settled: 'abandoned' };
    }
    const held: Held[] = [];
    const handleBatch = this.options.handleBatch!;
    for (let attempt = 1; pending.length > 0; attempt += 1) {
      const inbound: Array<InboundMessage<T>> = pending.map(({ message, value }) => ({
        value,
        context: this.contextFor(message, batch, attempt),
      }));
      const outcomes = await this.runBatchHandler(handleBatch, inbound);
      if (this.abandon.signal.aborted) return { settled: 'abandoned' };
      const retry: typeof pending = [];
      let delayMs = 0;
      for (const [index, entry] of pending.entries()) {
        const outcome = outcomes[index]!;
        if (outcome.ok) {
          this.counters.handled += 1;
          if (outcome.held) held.push({ message: entry.message, held: outcome.held });
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
        if (!(await this.pauseFor(delayMs))) return { settled: 'abandoned' };
      }
    }
    return { settled: 'done', held };
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
