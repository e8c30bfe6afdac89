import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CorrelationHeaders, LaneRequestV1, validateMessage } from '@sluice/contracts';
import {
  ConsumerRunner,
  ConsumerRunnerStats,
  InboundMessage,
  KAFKA_DRIVER,
  KafkaDriver,
  KafkaProducer,
  MessageContext,
  MessageOutcome,
  SluiceKafkaContext,
} from '@sluice/kafka';
import { ConsumerHealthRegistry, MessageObserver } from '@sluice/observability';
import { setMaxListeners } from 'node:events';
import type { WorkerLane } from '../limiter/concurrency.limiter';
import { RealtimeWorkerConfig } from '../realtime-worker.config';
import { LaneRequestHandler } from './lane-request.handler';
import { WORKER_TOPICS, WorkerTopics } from './worker.topics';

const LANES: readonly WorkerLane[] = ['realtime', 'async'];

/**
 * The realtime and async lanes, each on its own ConsumerRunner (and consumer group,
 * `<KAFKA_GROUP_ID>.<lane>`) in batch mode, rather than on the service's Kafka transport:
 * - the transport hands a partition's messages to a handler one at a time, and a provider call takes
 *   seconds, so a partition would serve one request at a time; in batch mode up to
 *   WORKER_PARTITION_BATCH_SIZE messages of a partition are handled at once (committed together);
 * - each lane has its own in-flight watermarks, so async messages waiting for their share of the
 *   provider slots pause only the async lane's fetching, never the realtime lane's.
 * Messages that fail LaneRequestV1 go to the dead-letter topic. Shutdown (beforeApplicationShutdown,
 * before the producer closes) lets in-flight calls finish within half of SHUTDOWN_TIMEOUT_MS; what is
 * still running then is aborted, not published and not committed, so it is redelivered.
 */
@Injectable()
export class LanesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runners = new Map<WorkerLane, ConsumerRunner<LaneRequestV1>>();

  constructor(
    @Inject(KAFKA_DRIVER) private readonly kafka: KafkaDriver,
    @Inject(KafkaProducer) private readonly producer: KafkaProducer,
    @Inject(RealtimeWorkerConfig) private readonly config: RealtimeWorkerConfig,
    @Inject(WORKER_TOPICS) private readonly topics: WorkerTopics,
    @Inject(LaneRequestHandler) private readonly handler: LaneRequestHandler,
    @Inject(MessageObserver) private readonly messages: MessageObserver,
    @Inject(ConsumerHealthRegistry) private readonly health: ConsumerHealthRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const config = this.config;
    for (const lane of LANES) {
      const runner = new ConsumerRunner<LaneRequestV1>({
        kafka: this.kafka,
        groupId: `${config.KAFKA_GROUP_ID}.${lane}`,
        topics: [this.topics.lanes[lane]],
        validate: (plain) => validateMessage(LaneRequestV1, plain),
        handleBatch: (messages) => this.handleBatch(lane, messages),
        maxBatchSize: config.WORKER_PARTITION_BATCH_SIZE,
        partitionsConsumedConcurrently: config.WORKER_PARTITIONS_CONCURRENCY,
        backpressure: { highWaterMark: config.WORKER_MAX_IN_FLIGHT, lowWaterMark: Math.floor(config.WORKER_MAX_IN_FLIGHT / 2) },
        deadLetter: { producer: this.producer, topic: this.topics.deadLetter },
        shutdownTimeoutMs: Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2),
      });
      this.health.register(runner.groupId, { consumerHealth: () => runner.health() });
      this.runners.set(lane, runner);
    }
    await Promise.all([...this.runners.values()].map((runner) => runner.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
  }

  /** Per lane: messages in flight now and at most so far, pauses, retries, dead letters. */
  stats(): Partial<Record<WorkerLane, ConsumerRunnerStats>> {
    return Object.fromEntries([...this.runners].map(([lane, runner]) => [lane, runner.stats()]));
  }

  /** Every message of the group at once; one outcome each, so only the failed ones are retried. */
  private handleBatch(lane: WorkerLane, messages: ReadonlyArray<InboundMessage<LaneRequestV1>>): Promise<MessageOutcome[]> {
    return Promise.all(
      messages.map(({ value, context }) =>
        this.handleOne(lane, value, context).then(
          (): MessageOutcome => ({ ok: true }),
          (error: unknown): MessageOutcome => ({ ok: false, error }),
        ),
      ),
    );
  }

  private async handleOne(lane: WorkerLane, laneRequest: LaneRequestV1, context: MessageContext): Promise<void> {
    const { request } = laneRequest;
    const log = this.messages.received(new SluiceKafkaContext(context), { requestId: request.id, tenant: request.tenant });
    // Every in-flight call listens on the runner's one abort signal; hundreds at once are expected.
    setMaxListeners(0, context.signal);
    const headers = context.headers;
    await this.handler.handle(laneRequest, lane, {
      signal: context.signal,
      log,
      correlation: {
        requestId: request.id,
        correlationId: headers[CorrelationHeaders.CorrelationId],
        traceparent: headers[CorrelationHeaders.TraceParent],
      },
    });
  }
}
