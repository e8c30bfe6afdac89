import type { DriverRetrySettings, KafkaDriver } from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';
import type { KafkaProducer } from '../producer/kafka.producer';
import type { BatchHandler, InvalidMessageHandler, MessageHandler, Validate } from './consumer.types';
import type { Watermarks } from './in-flight.gate';
import type { RetryPolicy } from './retry.policy';
import type { WorkValve } from '../valve/bulk.valve';
import type { MessageAuthentication } from '../signing/message.authentication';

export interface ConsumerSessionSettings {
  /** Broker-side bounds apply (group.min.session.timeout.ms is 6000 by default). */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  maxWaitTimeMs?: number;
  /** The driver's retries of fetch/join/commit before it reports a crash. */
  retry?: DriverRetrySettings;
}

export interface DeadLetterSettings {
  /** Defaults to sluice.dlq.v1. */
  topic?: string;
  /** A connected producer to share; by default the runner owns one (connected on start, closed on stop). */
  producer?: KafkaProducer;
  /** Retries of the runner's own dead-letter producer. */
  retry?: DriverRetrySettings;
}

interface BaseRunnerOptions<T> {
  kafka: KafkaDriver;
  groupId: string;
  topics: readonly string[];
  /** Where a group without committed offsets starts; defaults to true so nothing produced before the first deploy is skipped. */
  fromBeginning?: boolean;
  /** Topics whose messages must be signed by Sluice's services; a message that is not is dead-lettered unread. */
  authentication?: MessageAuthentication;
  validate?: Validate<T>;
  onInvalid?: InvalidMessageHandler;
  deadLetter?: DeadLetterSettings;
  retry?: Partial<RetryPolicy>;
  backpressure?: Watermarks;
  session?: ConsumerSessionSettings;
  /**
   * Partitions whose fetched batches are worked on at the same time (each partition stays in order).
   * The default suits a copy owning a few partitions of a 6-partition topic; the in-flight gate
   * still bounds what is in memory across all of them.
   */
  partitionsConsumedConcurrently?: number;
  /**
   * For deferrable work only: asked before each slice of a fetched batch is handled, so the group
   * gives way while urgent work flows (see BulkValve). Absent: slices are handled as they come.
   */
  valve?: WorkValve;
  /** How long stop() waits for in-flight handlers before giving up on them (they stay uncommitted). */
  shutdownTimeoutMs?: number;
  /** Called once when the consumer cannot go on; defaults to logging and process.exit(1). */
  onFatal?: (error: Error) => unknown;
  /** Defaults to the driver's logger. */
  logger?: KafkaLogger;
}

export interface MessageModeOptions<T> extends BaseRunnerOptions<T> {
  handle: MessageHandler<T>;
  handleBatch?: never;
  maxBatchSize?: never;
  maxBatchBytes?: never;
}

export interface BatchModeOptions<T> extends BaseRunnerOptions<T> {
  handleBatch: BatchHandler<T>;
  handle?: never;
  /** Most messages handed to handleBatch at once: a fetched batch is split into groups no larger. */
  maxBatchSize?: number;
  /**
   * Most bytes of keys and values handed to handleBatch at once (a message larger than this goes
   * alone), so a handler's memory and round-trip size follow payload size, not only count.
   */
  maxBatchBytes?: number;
}

export type ConsumerRunnerOptions<T> = MessageModeOptions<T> | BatchModeOptions<T>;

export const RUNNER_DEFAULTS = {
  fromBeginning: true,
  partitionsConsumedConcurrently: 6,
  backpressure: { highWaterMark: 1_000, lowWaterMark: 500 },
  maxBatchSize: 100,
  maxBatchBytes: 1024 * 1024,
  shutdownTimeoutMs: 15_000,
  session: { sessionTimeoutMs: 30_000, heartbeatIntervalMs: 3_000, maxWaitTimeMs: 1_000 },
} as const;
