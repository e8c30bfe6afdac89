import { DEFAULT_DEAD_LETTER_TOPIC } from '../dead-letter/dead-letter.headers';
import { DeadLetterPublisher } from '../dead-letter/dead-letter.publisher';
import { KafkaProducer } from '../producer/kafka.producer';
import { authenticator } from '../signing/message.authentication';
import { BatchPipeline } from './batch.pipeline';
import { CommitTracker } from './commit.tracker';
import { RUNNER_DEFAULTS, type ConsumerRunnerOptions } from './consumer-runner.options';
import { ConsumerLifecycle } from './consumer.lifecycle';
import type { ConsumerHealth, ConsumerRunnerStats } from './consumer.types';
import { exitOnFatal } from './fatal.handler';
import { InFlightGate } from './in-flight.gate';
import { OutageBoard } from './outage.board';
import { PartitionWorker } from './partition.worker';
import { RetryLoop } from './retry.loop';
import { resolveRetryPolicy } from './retry.policy';

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

/**
 * Consumes topics with at-least-once delivery: authenticate → decode → validate → handle → commit, in partition
 * order. Failures never block a partition: retryable ones are retried with backoff, the rest (and
 * exhausted ones) go to the dead-letter topic before the offset is committed. What the runner
 * cannot handle itself — the consumer crashed for good, or a dead-letter write failed — makes it
 * unhealthy and calls onFatal.
 *
 * Composed of: the lifecycle (start, stop, crash, health), the partition worker (one fetched batch
 * in groups, in order, held messages), the pipeline (one group: decode, validate, handler, outcomes),
 * the retry loop and the commit tracker. A per-message handler is the batch path with groups of one.
 */
export class ConsumerRunner<T = unknown> {
  private readonly gate: InFlightGate;
  private readonly lifecycle: ConsumerLifecycle;
  private readonly worker: PartitionWorker<T>;
  private readonly counters = { handled: 0, deadLettered: 0, invalid: 0, retries: 0 };
  private readonly outages = new OutageBoard();

  constructor(private readonly options: ConsumerRunnerOptions<T>) {
    if (options.topics.length === 0) throw new Error('ConsumerRunner needs at least one topic');
    if (!options.handle === !options.handleBatch) {
      throw new Error('ConsumerRunner needs exactly one of handle and handleBatch');
    }
    const logger = options.logger ?? options.kafka.logger;
    const groupId = options.groupId;
    const limits = options.handleBatch
      ? {
          maxCount: positiveInteger('maxBatchSize', options.maxBatchSize ?? RUNNER_DEFAULTS.maxBatchSize),
          maxBytes: positiveInteger('maxBatchBytes', options.maxBatchBytes ?? RUNNER_DEFAULTS.maxBatchBytes),
        }
      : { maxCount: 1, maxBytes: Number.POSITIVE_INFINITY };
    const retryPolicy = resolveRetryPolicy(options.retry);
    this.gate = new InFlightGate(options.backpressure ?? RUNNER_DEFAULTS.backpressure, {
      onPause: () => this.lifecycle.pauseFetching(),
      onResume: () => this.lifecycle.resumeFetching(),
    });
    const ownedProducer = options.deadLetter?.producer
      ? undefined
      : new KafkaProducer(options.kafka, { retry: options.deadLetter?.retry, signer: options.authentication?.signer });
    const deadLetters = new DeadLetterPublisher(options.deadLetter?.producer ?? ownedProducer!, options.deadLetter?.topic ?? DEFAULT_DEAD_LETTER_TOPIC);
    const session = { ...RUNNER_DEFAULTS.session, ...options.session };
    const consumer = options.kafka.consumer({
      groupId,
      sessionTimeoutMs: session.sessionTimeoutMs,
      heartbeatIntervalMs: session.heartbeatIntervalMs,
      rebalanceTimeoutMs: session.rebalanceTimeoutMs,
      maxWaitTimeMs: session.maxWaitTimeMs,
      retry: session.retry,
    });
    this.lifecycle = new ConsumerLifecycle({
      groupId,
      topics: [...new Set(options.topics)],
      logger,
      consumer,
      gate: this.gate,
      fromBeginning: options.fromBeginning ?? RUNNER_DEFAULTS.fromBeginning,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? RUNNER_DEFAULTS.partitionsConsumedConcurrently,
      shutdownTimeoutMs: options.shutdownTimeoutMs ?? RUNNER_DEFAULTS.shutdownTimeoutMs,
      ownedProducer,
      onFatal: options.onFatal ?? exitOnFatal(logger),
      stats: () => this.stats(),
    });
    const retries = new RetryLoop({
      policy: retryPolicy,
      logger,
      groupId,
      counters: this.counters,
      winding: this.lifecycle.winding,
      abandon: this.lifecycle.abandon,
      outages: this.outages,
    });
    const pipeline = new BatchPipeline<T>({
      groupId,
      logger,
      ...(options.authentication && { authenticate: authenticator(options.authentication) }),
      validate: options.validate,
      onInvalid: options.onInvalid,
      handle: options.handle,
      handleBatch: options.handleBatch,
      retries,
      deadLetters,
      counters: this.counters,
      abandon: this.lifecycle.abandon,
      outages: this.outages,
    });
    this.worker = new PartitionWorker<T>({
      groupId,
      logger,
      heartbeatIntervalMs: session.heartbeatIntervalMs,
      limits,
      commitEachGroup: !options.handleBatch,
      gate: this.gate,
      valve: options.valve,
      pipeline,
      commits: new CommitTracker(logger, groupId),
      control: this.lifecycle,
    });
  }

  get groupId(): string {
    return this.options.groupId;
  }

  /** Connects, subscribes and starts consuming; readiness follows once the group is joined. */
  start(): Promise<void> {
    return this.lifecycle.start(this.worker);
  }

  /**
   * Stops fetching, lets in-flight handlers finish within shutdownTimeoutMs and commits what
   * completed, then disconnects. Handlers still running at the deadline are abandoned: their
   * messages stay uncommitted and are redelivered to the group.
   */
  stop(): Promise<void> {
    return this.lifecycle.stop();
  }

  /** Stops taking new messages and pauses fetching until resume(). */
  pause(): void {
    this.gate.pause();
  }

  resume(): void {
    this.gate.resume();
  }

  /** Ready once joined; `outages` lists the dependencies some of its partitions are waiting for. */
  health(): ConsumerHealth {
    const outages = this.outages.report();
    return outages.length > 0 ? { ...this.lifecycle.health(), outages } : this.lifecycle.health();
  }

  stats(): ConsumerRunnerStats {
    return { ...this.gate.stats(), ...this.counters };
  }
}
