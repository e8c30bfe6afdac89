import { classifyError } from '../errors/error.classification';
import type { BatchContext } from '../port/driver.port';
import type { KafkaLogger } from '../port/logger.port';
import type { ConsumedMessage } from '../port/message.types';
import { splitIntoGroups, type GroupLimits } from './batch.groups';
import type { BatchPipeline, ValidMessage } from './batch.pipeline';
import type { CommitTracker, PartitionCommits } from './commit.tracker';
import type { HoldOutcome } from './consumer.types';
import { BatchHeartbeat } from './handler.context';
import { startPacemaker } from './heartbeat.pacemaker';
import type { ConsumerWork } from './consumer.lifecycle';
import type { InFlightGate } from './in-flight.gate';
import type { WorkValve } from '../valve/bulk.valve';
import { failureOf, toError, type HeldItem } from './retry.loop';

/** What the worker needs from the runner's lifecycle. */
export interface WorkerControl {
  /** False once stopping began or the consumer crashed: start nothing new. */
  readonly consuming: boolean;
  /** The consumer cannot go on. */
  fail(error: Error): void;
}

export interface PartitionWorkerSettings<T> {
  groupId: string;
  logger: KafkaLogger;
  heartbeatIntervalMs: number;
  limits: GroupLimits;
  /**
   * Wait for each group's commit before the next group starts: per-message handlers (groups of
   * one), so that at most the message being handled is ever uncommitted.
   */
  commitEachGroup: boolean;
  gate: InFlightGate;
  /** Deferrable work's valve: each group waits for its turn, and reports when it is done. */
  valve?: WorkValve;
  pipeline: BatchPipeline<T>;
  commits: CommitTracker;
  control: WorkerControl;
}

/**
 * Messages of one partition held for the same work: where they came from (to commit past them) and
 * their keys, for dead-letter records should the work fail. Not their values or headers: the handler
 * already has them, and a batch aggregator holds a hundred thousand messages at once, so every byte
 * kept here is multiplied: offsets are kept as bigints (kafkajs builds offset strings digit by digit,
 * a tree of string pieces each) and keys as latin1 strings, which hold any bytes, not as Buffers.
 * A held message that ends up dead-lettered is therefore parked without its value and headers; the
 * original-topic/partition/offset headers say where to read it.
 */
interface HeldMessages {
  topic: string;
  partition: number;
  offsets: bigint[];
  keys: Array<string | null>;
}

function parked(held: HeldMessages, index: number): ConsumedMessage {
  const key = held.keys[index];
  return {
    topic: held.topic,
    partition: held.partition,
    offset: String(held.offsets[index]!),
    key: key == null ? null : Buffer.from(key, 'latin1'),
    value: null,
    headers: {},
    timestamp: '0',
  };
}

/** Held messages of one group by the work they wait for: a handler that shares one promise among many is settled once. */
function byHold<T>(held: ReadonlyArray<HeldItem<ValidMessage<T>>>): Map<Promise<HoldOutcome>, HeldMessages> {
  const groups = new Map<Promise<HoldOutcome>, HeldMessages>();
  for (const { item, held: work } of held) {
    const { topic, partition, offset, key } = item.message;
    let messages = groups.get(work);
    if (messages === undefined) {
      messages = { topic, partition, offsets: [], keys: [] };
      groups.set(work, messages);
    }
    messages.offsets.push(BigInt(offset));
    messages.keys.push(key === null ? null : key.toString('latin1'));
  }
  return groups;
}

/**
 * Works through one fetched batch of one partition: in groups (bounded by count and bytes), each
 * admitted by the in-flight gate, handled by the pipeline, then committed in order. Partitions run
 * concurrently (each in its own call); within one, groups run one after another, so the partition's
 * order holds. Held messages let the partition move on at once; they keep their gate unit until
 * their work settles, and their offset keeps the commit back until it is durable.
 */
export class PartitionWorker<T> implements ConsumerWork {
  private outstandingHolds = 0;
  private holdsSettled?: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly settings: PartitionWorkerSettings<T>) {}

  get heldCount(): number {
    return this.outstandingHolds;
  }

  /** Resolves once no held work is outstanding: what stopping waits for first. */
  holdsDrained(): Promise<void> {
    if (this.outstandingHolds === 0) return Promise.resolve();
    if (!this.holdsSettled) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.holdsSettled = { promise, resolve };
    }
    return this.holdsSettled.promise;
  }

  onGroupJoin(): void {
    this.settings.commits.reset();
  }

  async processBatch(batch: BatchContext): Promise<void> {
    const { control, groupId, logger } = this.settings;
    if (!control.consuming) return;
    // A failed heartbeat (rebalance, lost membership): finish what runs, start nothing new.
    let lost = false;
    const stopPacemaker = startPacemaker(
      () => batch.heartbeat(),
      this.settings.heartbeatIntervalMs,
      (error) => {
        lost = true;
        logger.debug({ groupId, topic: batch.topic, partition: batch.partition, err: error }, 'heartbeat failed; finishing the batch early');
      },
    );
    // Batch handlers' commits are not waited for group by group: each starts as its group is done
    // and later ones fold into the one in flight (see CommitTracker), so a fetched batch costs about
    // one commit round trip. The batch returns only once they are through, so stopping still
    // commits its work.
    const beats = new BatchHeartbeat(batch);
    let committing: Promise<boolean> = Promise.resolve(true);
    let commitFailed = false;
    try {
      for (const group of splitIntoGroups(batch.messages, this.settings.limits)) {
        if (!control.consuming || !batch.isRunning() || batch.isStale() || lost || commitFailed) break;
        const done = await this.processGroup(group, batch, beats);
        if (done === undefined) break;
        committing = done.committing;
        if (this.settings.commitEachGroup && !(await committing)) break;
        void committing.then((committed) => (commitFailed ||= !committed));
      }
      await committing;
    } catch (error) {
      control.fail(toError(error));
    } finally {
      stopPacemaker();
      beats.end();
    }
  }

  /** The commit of the group's work (false when it failed), or undefined when the batch must not go on (stopping). */
  private async processGroup(
    group: readonly ConsumedMessage[],
    batch: BatchContext,
    beats: BatchHeartbeat,
  ): Promise<{ committing: Promise<boolean> } | undefined> {
    const { gate, pipeline, commits, valve, control } = this.settings;
    // Before the gate: a slice waiting for its turn holds no in-flight units.
    const done = (await valve?.admit()) ?? (() => undefined);
    if (!control.consuming || !(await gate.acquire(group.length))) {
      done();
      return undefined;
    }
    let result: Awaited<ReturnType<BatchPipeline<T>['process']>>;
    try {
      result = await pipeline.process(group, beats);
    } catch (error) {
      gate.release(group.length);
      throw error;
    } finally {
      done();
    }
    // A held message keeps its place in the gate until its work is durable: what is held is in memory.
    const held = result.settled === 'done' ? result.held : [];
    gate.release(group.length - held.length);
    if (result.settled === 'abandoned') return undefined;
    const partition = commits.partitionOf(batch);
    for (const [work, messages] of byHold(held)) this.track(partition, messages, work);
    const last = group[group.length - 1]!.offset;
    partition.offsets.processed(last);
    // Resolving lets the next fetch start after the group, held messages or not; the commit does not pass them.
    batch.resolveOffset(last);
    return { committing: commits.commit(partition) };
  }

  private track(partition: PartitionCommits, messages: HeldMessages, held: Promise<HoldOutcome>): void {
    const count = messages.offsets.length;
    for (const offset of messages.offsets) partition.offsets.hold(offset);
    this.outstandingHolds += count;
    void this.settle(partition, messages, held)
      .catch((error: unknown) => this.settings.control.fail(toError(error)))
      .finally(() => {
        this.settings.gate.release(count);
        this.outstandingHolds -= count;
        if (this.outstandingHolds > 0) return;
        this.holdsSettled?.resolve();
        this.holdsSettled = undefined;
      });
  }

  private async settle(partition: PartitionCommits, messages: HeldMessages, held: Promise<HoldOutcome>): Promise<void> {
    let outcome: HoldOutcome;
    try {
      outcome = await held;
    } catch (error) {
      const failure = failureOf(classifyError(error), error, 1);
      for (let index = 0; index < messages.offsets.length; index++) {
        if ((await this.settings.pipeline.deadLetter(parked(messages, index), failure)) === 'abandoned') return;
      }
      outcome = 'durable';
    }
    const { commits } = this.settings;
    // A rejoin since the hold began replaced this partition's commits: the messages come back anyway.
    if (outcome === 'durable' && commits.isCurrent(partition)) {
      for (const offset of messages.offsets) partition.offsets.release(offset);
      await commits.commit(partition);
    }
  }
}
