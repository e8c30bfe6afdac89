import type { Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { BatchContext, ConsumerDriver, ConsumerDriverConfig, ConsumerRunConfig, CrashEvent, GroupJoinEvent } from '../../port/driver.port';
import { asSecurityFailure } from './kafkajs.errors';
import { fromKafkaJsMessage } from './kafkajs.message';
import { toKafkaJsRetry } from './kafkajs.retry';

export class KafkaJsConsumerDriver implements ConsumerDriver {
  private readonly consumer: Consumer;

  constructor(
    kafka: Kafka,
    config: ConsumerDriverConfig,
    /** Named when a broker turns the client away (see asSecurityFailure). */
    private readonly bootstrap: readonly string[] = [],
  ) {
    this.consumer = kafka.consumer({
      groupId: config.groupId,
      sessionTimeout: config.sessionTimeoutMs,
      heartbeatInterval: config.heartbeatIntervalMs,
      rebalanceTimeout: config.rebalanceTimeoutMs,
      maxWaitTimeInMs: config.maxWaitTimeMs,
      // Topics are provisioned declaratively; a typo must fail, not create a topic.
      allowAutoTopicCreation: false,
      retry: toKafkaJsRetry(config.retry),
    });
  }

  connect(): Promise<void> {
    return this.consumer.connect().catch((error: unknown) => {
      throw asSecurityFailure(error, this.bootstrap);
    });
  }

  subscribe(topics: readonly string[], fromBeginning: boolean): Promise<void> {
    return this.consumer.subscribe({ topics: [...topics], fromBeginning });
  }

  run(config: ConsumerRunConfig): Promise<void> {
    return this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: config.partitionsConsumedConcurrently,
      eachBatch: (payload) => config.eachBatch(toBatchContext(payload)),
    });
  }

  stop(): Promise<void> {
    return this.consumer.stop();
  }

  disconnect(): Promise<void> {
    return this.consumer.disconnect();
  }

  pause(topics: readonly string[]): void {
    this.consumer.pause(topics.map((topic) => ({ topic })));
  }

  resume(topics: readonly string[]): void {
    this.consumer.resume(topics.map((topic) => ({ topic })));
  }

  seek(topic: string, partition: number, offset: string): void {
    this.consumer.seek({ topic, partition, offset });
  }

  onGroupJoin(listener: (event: GroupJoinEvent) => void): void {
    this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => listener({ memberId: payload.memberId, assignment: payload.memberAssignment }));
  }

  onFetch(listener: () => void): void {
    this.consumer.on(this.consumer.events.FETCH, () => listener());
  }

  onCrash(listener: (event: CrashEvent) => void): void {
    this.consumer.on(this.consumer.events.CRASH, ({ payload }) => listener({ error: payload.error, restart: payload.restart }));
  }
}

function toBatchContext(payload: EachBatchPayload): BatchContext {
  const { topic, partition } = payload.batch;
  return {
    topic,
    partition,
    messages: payload.batch.messages.map((message) => fromKafkaJsMessage(topic, partition, message)),
    resolveOffset: (offset) => payload.resolveOffset(offset),
    // The batch-scoped commit goes straight to the group coordinator; consumer.commitOffsets() is a
    // no-op once stop() has begun, which would lose the commits of handlers finishing during shutdown.
    commit: (nextOffset) => payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: nextOffset }] }] }),
    heartbeat: () => payload.heartbeat(),
    isRunning: () => payload.isRunning(),
    isStale: () => payload.isStale(),
  };
}
