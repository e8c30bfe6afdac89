import type { KafkaLogger } from './logger.port';
import type { ConsumedMessage, SendResult, TopicMessages, TopicPartitionOffset, WireMessage } from './message.types';

/** The driver's own retry of broker requests (connections, metadata, produce, commit). */
export interface DriverRetrySettings {
  retries?: number;
  initialRetryTimeMs?: number;
  maxRetryTimeMs?: number;
}

export interface ConsumerDriverConfig {
  groupId: string;
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  rebalanceTimeoutMs?: number;
  /** Longest a fetch waits for data: also bounds how long stopping waits for an idle fetch. */
  maxWaitTimeMs?: number;
  retry?: DriverRetrySettings;
}

export interface ProducerDriverConfig {
  retry?: DriverRetrySettings;
}

/** One fetched batch of one partition, with the controls that belong to it. */
export interface BatchContext {
  topic: string;
  partition: number;
  messages: readonly ConsumedMessage[];
  /** Marks a message as processed so the next fetch starts after it. */
  resolveOffset(offset: string): void;
  /** Commits `nextOffset` (the offset of the next message to read) for this partition. */
  commit(nextOffset: string): Promise<void>;
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  /** True once the partition was sought elsewhere (e.g. reassigned): stop processing this batch. */
  isStale(): boolean;
}

export interface ConsumerRunConfig {
  partitionsConsumedConcurrently: number;
  eachBatch(batch: BatchContext): Promise<void>;
}

export interface GroupJoinEvent {
  memberId: string;
  assignment: Record<string, number[]>;
}

export interface CrashEvent {
  error: Error;
  /** Whether the driver restarts the consumer itself. */
  restart: boolean;
}

/** Offsets are committed by the caller only (no auto-commit). */
export interface ConsumerDriver {
  connect(): Promise<void>;
  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void>;
  run(config: ConsumerRunConfig): Promise<void>;
  /** Stops fetching, waits for the running batches to return, leaves the group. */
  stop(): Promise<void>;
  disconnect(): Promise<void>;
  pause(topics: readonly string[]): void;
  resume(topics: readonly string[]): void;
  /** Fetches `partition` of `topic` from `offset` on; only a partition assigned to this member. */
  seek(topic: string, partition: number, offset: string): void;
  onGroupJoin(listener: (event: GroupJoinEvent) => void): void;
  onCrash(listener: (event: CrashEvent) => void): void;
  /** After each fetch from the broker: by the first, a new group's positions are settled. */
  onFetch(listener: () => void): void;
}

export interface ProducerDriver {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  /** Resolves once every replica in sync has the records (acks = all). */
  send(topic: string, messages: readonly WireMessage[]): Promise<SendResult[]>;
  sendBatch(topicMessages: readonly TopicMessages[]): Promise<SendResult[]>;
  /** Starts a new producer session (a new producer id, sequence numbers from zero); no send may be in flight. */
  renew(): Promise<void>;
}

export interface TopicDefinition {
  name: string;
  partitions: number;
  replicationFactor?: number;
  config?: Record<string, string | number>;
}

export interface PartitionWatermarks {
  partition: number;
  low: string;
  high: string;
}

export interface AdminDriver {
  connect(): Promise<void>;
  disconnect(): Promise<void>;
  listTopics(): Promise<string[]>;
  createTopics(topics: readonly TopicDefinition[]): Promise<void>;
  deleteTopics(names: readonly string[]): Promise<void>;
  topicOffsets(topic: string): Promise<PartitionWatermarks[]>;
  /** Committed offsets of a group; "-1" for a partition the group never committed. */
  committedOffsets(groupId: string, topic: string): Promise<TopicPartitionOffset[]>;
}

/** A connection factory for one cluster: what the rest of the library is written against. */
export interface KafkaDriver {
  readonly logger: KafkaLogger;
  consumer(config: ConsumerDriverConfig): ConsumerDriver;
  producer(config?: ProducerDriverConfig): ProducerDriver;
  admin(): AdminDriver;
}
