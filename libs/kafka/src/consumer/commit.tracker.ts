import type { BatchContext } from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';
import { HeldOffsets } from './held-offsets';
import { toError } from './retry.loop';

/** One partition's commit position in the current group generation. */
export interface PartitionCommits {
  readonly topic: string;
  readonly partition: number;
  readonly offsets: HeldOffsets;
  /**
   * The latest fetched batch of the partition: its commit reaches the coordinator at any time. It
   * keeps that one fetch response in memory until the next one replaces it (a megabyte at most per
   * partition with kafkajs' defaults), however many messages are held.
   */
  batch: BatchContext;
  committing?: Promise<boolean>;
  /** Set and cleared synchronously with the last look at `again`, so no request to commit falls between. */
  running: boolean;
  again: boolean;
}

/**
 * Commits each partition in order, only as far as its work is durable: past every processed
 * message, but never past one still held. One commit runs per partition at a time; whatever
 * settles meanwhile is folded into one more commit after it.
 *
 * Positions belong to a group generation: a rejoin fetches from the committed offsets again, so the
 * held messages of the old generation come back, and work that settles later must not commit for
 * them (`isCurrent`).
 */
export class CommitTracker {
  private partitions = new Map<string, PartitionCommits>();

  constructor(
    private readonly logger: KafkaLogger,
    private readonly groupId: string,
  ) {}

  /** A new group generation: forget every position. */
  reset(): void {
    this.partitions = new Map();
  }

  /** The partition of `batch` in this generation, now committing through `batch`. */
  partitionOf(batch: BatchContext): PartitionCommits {
    const key = `${batch.topic}\u0000${batch.partition}`;
    const existing = this.partitions.get(key);
    if (existing) {
      existing.batch = batch;
      return existing;
    }
    const created: PartitionCommits = { topic: batch.topic, partition: batch.partition, offsets: new HeldOffsets(), batch, running: false, again: false };
    this.partitions.set(key, created);
    return created;
  }

  isCurrent(partition: PartitionCommits): boolean {
    return this.partitions.get(`${partition.topic}\u0000${partition.partition}`) === partition;
  }

  /** Commits as far as the partition's held messages allow. False when a commit failed. */
  commit(partition: PartitionCommits): Promise<boolean> {
    if (partition.running && partition.committing) {
      partition.again = true;
      return partition.committing;
    }
    partition.running = true;
    partition.committing = this.commitWhileAdvancing(partition);
    return partition.committing;
  }

  // `running` is cleared in the same tick as the loop's last look at `again`: cleared later (in a
  // .finally of the returned promise), a commit asked for in between would set `again` for a loop
  // that has already ended, and the partition would stay uncommitted until its next message.
  private async commitWhileAdvancing(partition: PartitionCommits): Promise<boolean> {
    try {
      do {
        partition.again = false;
        const next = partition.offsets.committable();
        if (next === undefined) continue;
        try {
          await partition.batch.commit(next);
          partition.offsets.committedTo(next);
        } catch (error) {
          this.logger.warn(
            { groupId: this.groupId, topic: partition.topic, partition: partition.partition, offset: next, err: toError(error) },
            'offset commit failed; the uncommitted messages of this partition will be redelivered',
          );
          return false;
        }
      } while (partition.again);
      return true;
    } finally {
      partition.running = false;
    }
  }
}
