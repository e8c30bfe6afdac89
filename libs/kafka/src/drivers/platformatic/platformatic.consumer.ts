import type { ClusterMetadata, ConnectionPool, Consumer, fetchV17, GroupAssignment } from '@platformatic/kafka';
import type { BatchContext, ConsumerDriver, ConsumerDriverConfig, ConsumerRunConfig, CrashEvent, GroupJoinEvent } from '../../port/driver.port';
import type { ConsumedMessage } from '../../port/message.types';
import type { KafkaLogger } from '../../port/logger.port';
import { diagnoseConnectFailure } from './client-certificate.probe';
import { asBrokerFailure, brokerSaysRetry, groupHasOtherClients } from './platformatic.errors';
import { pk } from './platformatic.module';
import { toRetryOptions, type PlatformaticBaseOptions, type PlatformaticSecurityOptions } from './platformatic.options';
import { decodePartition } from './platformatic.records';
import { PartitionCursors, type Cursor } from './partition.cursors';

type FetchResponse = fetchV17.FetchResponse;

/** kafkajs' default: how much one partition may return per fetch, which bounds a batch. */
const PARTITION_MAX_BYTES = 1_048_576;
const FETCH_MAX_BYTES = 10 * PARTITION_MAX_BYTES;
const OFFSET_OUT_OF_RANGE = 1;
/** How long a fetch that failed after the library's own retries waits before the next one. */
const FETCH_BACKOFF_MS = 1_000;
/**
 * Fetches out to one broker at once, each on a connection of its own. A partition whose batch
 * returned while a long-poll for the others is out would otherwise wait for that poll to come back
 * (up to maxWaitTime) before it is read again; with a fetch of its own it is read at once.
 */
const MAX_FETCHES_PER_BROKER = 8;
const JOIN_AT_START_MS = 60_000;
const JOIN_RETRY_MS = 500;
const OTHER_CLIENTS = (groupId: string): string =>
  `consumer group ${groupId} has members of another Kafka client (another assignment protocol, e.g. kafkajs), which cannot share a group with @platformatic/kafka`;

interface QueuedBatch {
  cursor: Cursor;
  epoch: number;
  messages: ConsumedMessage[];
}

/** The options that are set: the library takes one given as undefined for zero. */
function defined<T extends Record<string, number | undefined>>(options: T): Partial<Record<keyof T, number>> {
  const set: Partial<Record<keyof T, number>> = {};
  for (const key in options) if (options[key] !== undefined) set[key] = options[key];
  return set;
}

/** The fetch connections authenticate as the consumer's own do. */
function securityOf({ tls, tlsServerName, sasl }: PlatformaticBaseOptions): PlatformaticSecurityOptions {
  return { ...(tls && { tls }), ...(tlsServerName !== undefined && { tlsServerName }), ...(sasl && { sasl }) };
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String((error as { message?: unknown })?.message ?? error));
}

/**
 * A consumer group member on @platformatic/kafka that hands out what one fetch returned for a
 * partition as one batch, as kafkajs does. The library's MessagesStream delivers message by message
 * and keeps fetching while they wait, with no way to pause or rewind one partition; so the group
 * membership (join, heartbeats, rejoin) is the library's, and the fetching is done here with its
 * fetch request: a partition is in a fetch only when no batch of it runs (PartitionCursors).
 */
export class PlatformaticConsumerDriver implements ConsumerDriver {
  private readonly consumer: Consumer;
  /**
   * Fetches wait up to maxWaitTime at the broker, which answers a connection's requests in order:
   * each fetch out has a connection of its own, so heartbeats, commits and the other fetches never
   * queue behind it. Per broker: the connections free now and the fetches out.
   */
  private readonly fetchSlots = new Map<number, { idle: ConnectionPool[]; out: number }>();
  private readonly fetchConnections: ConnectionPool[] = [];
  private readonly cursors = new PartitionCursors();
  private readonly paused = new Set<string>();
  private readonly joinListeners: Array<(event: GroupJoinEvent) => void> = [];
  private readonly crashListeners: Array<(event: CrashEvent) => void> = [];
  private readonly fetchListeners: Array<() => void> = [];
  private topics: string[] = [];
  private fromBeginning = false;
  private run_?: ConsumerRunConfig;
  private running = false;
  private looping?: Promise<void>;
  private woken = false;
  private wakeLoop?: () => void;
  private queued: QueuedBatch[] = [];
  private activeBatches = 0;
  private batchesDone?: { promise: Promise<void>; resolve: () => void };
  private stopping?: Promise<void>;
  private restarting?: Promise<void>;

  constructor(
    private readonly base: PlatformaticBaseOptions,
    private readonly config: ConsumerDriverConfig,
    private readonly logger: KafkaLogger,
  ) {
    const retry = toRetryOptions(config.retry);
    this.consumer = new pk.Consumer({
      ...base,
      ...retry,
      groupId: config.groupId,
      ...defined({
        sessionTimeout: config.sessionTimeoutMs,
        heartbeatInterval: config.heartbeatIntervalMs,
        rebalanceTimeout: config.rebalanceTimeoutMs,
        maxWaitTime: config.maxWaitTimeMs,
      }),
      autocommit: false,
    });
    this.consumer.on('consumer:group:join', (payload) => this.joined(payload.memberId, payload.assignments ?? []));
    // A rejoin the library gave up on: the membership is lost and will not come back by itself.
    this.consumer.on('error', (error: unknown) => this.crashed(toError(error), false));
  }

  async connect(): Promise<void> {
    // The library connects on first use; asking for metadata makes an unreachable broker fail here.
    await this.consumer.metadata({ topics: [] }).catch(async (error: unknown) => {
      throw await diagnoseConnectFailure(error, this.base);
    });
  }

  async subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    this.topics = [...topics];
    this.fromBeginning = fromBeginning;
    // Fails for a topic that does not exist (no auto-creation), as kafkajs' subscribe does.
    await this.consumer.metadata({ topics: this.topics, autocreateTopics: false });
    this.consumer.topics.trackAll(...this.topics);
  }

  async run(config: ConsumerRunConfig): Promise<void> {
    this.run_ = config;
    this.running = true;
    await this.joinAtStart();
    this.looping = this.loop();
  }

  /**
   * Joins the library does not retry, tried again for up to a minute instead of failing the service's
   * boot: a broker that has just started answers "the coordinator is loading" for a while, and a group
   * that still has a member of another client (kafkajs speaks another assignment protocol) refuses
   * this one until that member leaves or its session ends.
   */
  private async joinAtStart(): Promise<void> {
    const deadline = Date.now() + JOIN_AT_START_MS;
    let warned = false;
    for (;;) {
      try {
        await this.consumer.joinGroup({});
        return;
      } catch (error) {
        const otherClients = groupHasOtherClients(error);
        if (!(otherClients || brokerSaysRetry(error)) || Date.now() >= deadline || !this.running) {
          throw otherClients ? new Error(`${OTHER_CLIENTS(this.config.groupId)}, and still had after a minute`, { cause: error }) : error;
        }
        if (otherClients && !warned) {
          warned = true;
          this.logger.warn({ groupId: this.config.groupId }, `${OTHER_CLIENTS(this.config.groupId)}: waiting for them to leave`);
        }
        await new Promise((resolve) => setTimeout(resolve, JOIN_RETRY_MS));
      }
    }
  }

  stop(): Promise<void> {
    this.stopping ??= this.halt();
    return this.stopping;
  }

  async disconnect(): Promise<void> {
    await this.stop();
    await this.consumer.close();
    await Promise.all(this.fetchConnections.map((connections) => connections.close()));
  }

  pause(topics: readonly string[]): void {
    for (const topic of topics) this.paused.add(topic);
  }

  resume(topics: readonly string[]): void {
    for (const topic of topics) this.paused.delete(topic);
    this.wake();
  }

  seek(topic: string, partition: number, offset: string): void {
    if (this.cursors.seek(topic, partition, BigInt(offset))) this.wake();
  }

  onGroupJoin(listener: (event: GroupJoinEvent) => void): void {
    this.joinListeners.push(listener);
  }

  onCrash(listener: (event: CrashEvent) => void): void {
    this.crashListeners.push(listener);
  }

  onFetch(listener: () => void): void {
    this.fetchListeners.push(listener);
  }

  private joined(memberId: string, assignments: readonly GroupAssignment[]): void {
    // Positions first, so a listener may seek in the new assignment.
    this.cursors.assign(assignments);
    const assignment: Record<string, number[]> = {};
    for (const { topic, partitions } of assignments) assignment[topic] = [...partitions];
    for (const listener of this.joinListeners) listener({ memberId, assignment });
    this.wake();
  }

  private crashed(error: Error, restart: boolean): void {
    if (!this.running) return;
    for (const listener of this.crashListeners) listener({ error, restart });
  }

  private wake(): void {
    this.woken = true;
    this.wakeLoop?.();
  }

  private async nextWake(): Promise<void> {
    if (!this.woken) await new Promise<void>((resolve) => (this.wakeLoop = resolve));
    this.wakeLoop = undefined;
    this.woken = false;
  }

  /** Looks up positions and starts fetches whenever something changed: a fetch or batch returned, a join, a seek, a resume. */
  private async loop(): Promise<void> {
    while (this.running) {
      this.woken = false;
      try {
        const unpositioned = this.cursors.unpositioned();
        if (unpositioned.length > 0) await this.position(unpositioned);
        const fetchable = this.cursors.fetchable(this.paused);
        if (fetchable.length > 0 && this.running) this.startFetches(fetchable, await this.consumer.metadata({ topics: this.topics }));
      } catch (error) {
        await this.restart(error);
        this.woken = true;
      }
      if (this.running) await this.nextWake();
    }
  }

  /**
   * What kafkajs does after a failure its retries did not cure: report it, wait, and join the group
   * again. The join is the signal that the consumer is whole again (the lifecycle reports it ready
   * on it), and every partition goes on from its committed offset. A join that fails is tried again
   * after the next failure.
   */
  private restart(error: unknown): Promise<void> {
    // Fetches out at once fail together: one report, one rejoin.
    this.restarting ??= this.rejoin(error).finally(() => (this.restarting = undefined));
    return this.restarting;
  }

  private async rejoin(error: unknown): Promise<void> {
    if (!this.running) return;
    this.crashed(toError(asBrokerFailure(error, this.base)), true);
    await new Promise((resolve) => setTimeout(resolve, FETCH_BACKOFF_MS));
    if (!this.running) return;
    await this.consumer.joinGroup({}).catch(() => undefined);
  }

  /** Committed offsets, else the start or the end of the partition (fromBeginning). */
  private async position(cursors: readonly Cursor[]): Promise<void> {
    const generation = this.cursors.generation;
    const fresh = cursors.filter((cursor) => !cursor.reset);
    const committed = fresh.length > 0 ? await this.consumer.listCommittedOffsets({ topics: byTopic(fresh) }) : new Map<string, bigint[]>();
    const fallback = cursors.filter((cursor) => cursor.reset || !((committed.get(cursor.topic)?.[cursor.partition] ?? -1n) >= 0n));
    const ends =
      fallback.length > 0
        ? await this.consumer.listOffsets({
            topics: [...new Set(fallback.map((cursor) => cursor.topic))],
            timestamp: this.fromBeginning ? pk.ListOffsetTimestamps.EARLIEST : pk.ListOffsetTimestamps.LATEST,
          })
        : new Map<string, bigint[]>();
    if (generation !== this.cursors.generation) return;
    for (const cursor of cursors) {
      // Sought meanwhile: the seek wins.
      if (cursor.position !== undefined) continue;
      const offset = committed.get(cursor.topic)?.[cursor.partition];
      cursor.position = !cursor.reset && offset !== undefined && offset >= 0n ? offset : ends.get(cursor.topic)?.[cursor.partition];
      cursor.reset = false;
    }
  }

  private startFetches(cursors: readonly Cursor[], metadata: ClusterMetadata): void {
    const byLeader = new Map<number, Cursor[]>();
    for (const cursor of cursors) {
      const leader = metadata.topics.get(cursor.topic)?.partitions[cursor.partition]?.leader;
      if (leader === undefined) continue;
      byLeader.set(leader, [...(byLeader.get(leader) ?? []), cursor]);
    }
    for (const [leader, group] of byLeader) {
      const connections = this.takeFetchConnection(leader);
      if (connections === undefined) continue;
      void this.fetchFrom(leader, group, metadata, connections).finally(() => {
        this.releaseFetchConnection(leader, connections);
        this.wake();
      });
    }
  }

  /** A connection for one more fetch to `leader`, unless MAX_FETCHES_PER_BROKER are out. */
  private takeFetchConnection(leader: number): ConnectionPool | undefined {
    let slots = this.fetchSlots.get(leader);
    if (slots === undefined) this.fetchSlots.set(leader, (slots = { idle: [], out: 0 }));
    if (slots.out >= MAX_FETCHES_PER_BROKER) return undefined;
    slots.out += 1;
    let connections = slots.idle.pop();
    if (connections === undefined) {
      // Secured like the consumer's own connections: a fetch must not connect unauthenticated.
      connections = new pk.ConnectionPool(this.base.clientId, { ...defined({ connectTimeout: this.base.connectTimeout }), ...securityOf(this.base) });
      this.fetchConnections.push(connections);
    }
    return connections;
  }

  private releaseFetchConnection(leader: number, connections: ConnectionPool): void {
    const slots = this.fetchSlots.get(leader)!;
    slots.out -= 1;
    slots.idle.push(connections);
  }

  private async fetchFrom(leader: number, cursors: readonly Cursor[], metadata: ClusterMetadata, connections: ConnectionPool): Promise<void> {
    const asked = cursors.map((cursor) => ({ cursor, epoch: cursor.epoch, offset: cursor.position! }));
    const topics: fetchV17.FetchRequestTopic[] = [];
    const names = new Map<string, string>();
    for (const { cursor, offset } of asked) {
      cursor.state = 'fetching';
      const topicId = metadata.topics.get(cursor.topic)!.id;
      names.set(topicId, cursor.topic);
      topics.push({
        topicId,
        partitions: [
          { partition: cursor.partition, fetchOffset: offset, partitionMaxBytes: PARTITION_MAX_BYTES, currentLeaderEpoch: -1, lastFetchedEpoch: -1 },
        ],
      });
    }
    let response: FetchResponse | undefined;
    try {
      response = await this.consumer.fetch({
        node: leader,
        topics,
        ...defined({ maxWaitTime: this.config.maxWaitTimeMs }),
        maxBytes: FETCH_MAX_BYTES,
        connectionPool: connections,
      });
    } catch (error) {
      // A response with errors for some partitions still carries the others' records.
      response = (error as { response?: FetchResponse }).response;
      if (response === undefined) {
        this.consumer.clearMetadata();
        for (const { cursor } of asked) if (cursor.state === 'fetching') cursor.state = 'idle';
        await this.restart(error);
        return;
      }
    }
    for (const { cursor } of asked) if (cursor.state === 'fetching') cursor.state = 'idle';
    if (this.running) this.dispatch(response, names, asked);
    for (const listener of this.fetchListeners) listener();
  }

  private dispatch(response: FetchResponse, names: ReadonlyMap<string, string>, asked: ReadonlyArray<{ cursor: Cursor; epoch: number; offset: bigint }>): void {
    for (const topicResponse of response.responses) {
      const topic = names.get(topicResponse.topicId);
      for (const partition of topicResponse.partitions) {
        const request = asked.find(({ cursor }) => cursor.topic === topic && cursor.partition === partition.partitionIndex);
        // Revoked or sought while the fetch was out, or paused meanwhile: this answer no longer counts.
        if (topic === undefined || request === undefined || !this.cursors.isCurrent(request.cursor, request.epoch) || this.paused.has(topic)) continue;
        const { cursor, epoch, offset } = request;
        if (partition.errorCode === OFFSET_OUT_OF_RANGE) {
          cursor.position = undefined;
          cursor.reset = true;
          continue;
        }
        if (partition.errorCode !== 0) {
          this.consumer.clearMetadata();
          continue;
        }
        const { messages, next } = decodePartition(topic, partition, offset);
        if (messages.length === 0) {
          if (next !== undefined) cursor.position = next;
          continue;
        }
        cursor.state = 'busy';
        this.queued.push({ cursor, epoch, messages });
      }
    }
    this.startBatches();
  }

  private startBatches(): void {
    const concurrency = this.run_?.partitionsConsumedConcurrently ?? 1;
    while (this.running && this.activeBatches < concurrency && this.queued.length > 0) {
      const batch = this.queued.shift()!;
      this.activeBatches += 1;
      void this.runBatch(batch).finally(() => {
        this.activeBatches -= 1;
        this.startBatches();
        this.wake();
        if (this.activeBatches === 0) this.batchesDone?.resolve();
      });
    }
  }

  private async runBatch({ cursor, epoch, messages }: QueuedBatch): Promise<void> {
    const first = BigInt(messages[0]!.offset);
    // Paused while it waited for a worker: read again once resumed.
    if (this.paused.has(cursor.topic) || !this.cursors.isCurrent(cursor, epoch)) {
      this.cursors.batchStarted(cursor);
      this.cursors.batchEnded(cursor, epoch, first, undefined);
      return;
    }
    const { topic, partition } = cursor;
    let resolved: bigint | undefined;
    const stale = (): boolean => !this.cursors.isCurrent(cursor, epoch);
    const context: BatchContext = {
      topic,
      partition,
      messages,
      resolveOffset: (offset) => {
        const value = BigInt(offset);
        if (resolved === undefined || value > resolved) resolved = value;
      },
      commit: (nextOffset) => this.commit(topic, partition, nextOffset),
      // The library heartbeats on its own timer; what a batch learns from one is whether its partition is still its own.
      heartbeat: () => (stale() ? Promise.reject(new Error(`${topic}[${partition}] was revoked`)) : Promise.resolve()),
      isRunning: () => this.running,
      isStale: stale,
    };
    this.cursors.batchStarted(cursor);
    try {
      await this.run_!.eachBatch(context);
    } catch (error) {
      void this.restart(error);
    } finally {
      this.cursors.batchEnded(cursor, epoch, first, resolved);
    }
  }

  private async commit(topic: string, partition: number, nextOffset: string): Promise<void> {
    try {
      await this.consumer.commit({ offsets: [{ topic, partition, offset: BigInt(nextOffset), leaderEpoch: -1 }] });
    } catch (error) {
      throw toError(asBrokerFailure(error, this.base));
    }
  }

  /** Stops fetching, lets the running batches return (their commits included), then leaves the group. */
  private async halt(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    for (const { cursor, epoch, messages } of this.queued.splice(0)) {
      this.cursors.batchStarted(cursor);
      this.cursors.batchEnded(cursor, epoch, BigInt(messages[0]!.offset), undefined);
    }
    this.wake();
    await this.looping;
    if (this.activeBatches > 0) {
      let resolve!: () => void;
      const promise = new Promise<void>((done) => (resolve = done));
      this.batchesDone = { promise, resolve };
      await promise;
    }
    // The callback form: the typings pick the overload that returns nothing for the promise form.
    await new Promise<void>((resolve, reject) => this.consumer.leaveGroup(false, (error) => (error ? reject(toError(error)) : resolve())));
  }
}

function byTopic(cursors: readonly Cursor[]): GroupAssignment[] {
  const topics = new Map<string, number[]>();
  for (const { topic, partition } of cursors) topics.set(topic, [...(topics.get(topic) ?? []), partition]);
  return [...topics].map(([topic, partitions]) => ({ topic, partitions }));
}
