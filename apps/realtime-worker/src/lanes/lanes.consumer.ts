import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CorrelationHeaders, LaneRequestV1, validateMessage } from '@sluice/contracts';
import {
  ConsumerRunner,
  ConsumerRunnerStats,
  GroupJoinEvent,
  InboundMessage,
  KAFKA_DRIVER,
  KafkaDriver,
  KafkaProducer,
  MessageOutcome,
  MessageSigner,
} from '@sluice/kafka';
import {
  ConsumerHealthRegistry,
  consumerSessionOf,
  internalAuthentication,
  MessageObserver,
  MetricsRegistry,
  REQUEST_TRACER,
  type RequestSpan,
  type RequestTracer,
} from '@sluice/observability';
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { callAhead, callIdFor, longestCallMs } from '../calls/call-ahead';
import { ShutdownAbortError } from '../calls/provider.caller';
import type { WorkerLane } from '../limiter/concurrency.limiter';
import { RealtimeWorkerConfig } from '../realtime-worker.config';
import { parseConcurrencyMap, parsedOrThrow } from '../targets/target.maps';
import { AnsweredRequests } from './answered-requests.filter';
import { LaneCallsRegistry } from './lane-calls.registry';
import { Correlation, LaneRequestHandler } from './lane-request.handler';
import { laneWatermarks } from './lane.watermarks';
import { WORKER_TOPICS, WorkerTopics } from './worker.topics';

const LANES: readonly WorkerLane[] = ['realtime', 'async'];

export interface LaneStats extends ConsumerRunnerStats {
  /** Provider calls (with their result) running now, and at most so far. */
  calls: number;
  maxCalls: number;
}

/** The driver as it is, but every consumer it makes also reports its group joins to `onJoin`. */
function reportingJoins(kafka: KafkaDriver, onJoin: (event: GroupJoinEvent) => void): KafkaDriver {
  return {
    logger: kafka.logger,
    consumer: (config) => {
      const consumer = kafka.consumer(config);
      consumer.onGroupJoin(onJoin);
      return consumer;
    },
    producer: (config) => kafka.producer(config),
    admin: () => kafka.admin(),
  };
}

/**
 * The realtime and async lanes, each on its own ConsumerRunner (and consumer group,
 * `<KAFKA_GROUP_ID>.<lane>`) in batch mode, rather than on the service's Kafka transport:
 * - every lane message is answered `held` at once: its provider call runs in the background and the
 *   runner goes on fetching, from every assigned partition, so calls run side by side up to the
 *   limiter's slots whatever partition they came from. The runner commits a partition only up to its
 *   oldest call still running, so an offset is committed once its result (and every earlier one's) is
 *   on the results topic; results of calls ending together go out in one produce request (the
 *   producer merges the sends queued behind the one in flight).
 * - a held message keeps its place in the runner's in-flight count until its call ends, so the lane's
 *   watermarks (laneWatermarks) bound what is held in memory: the limiter's slots plus one group queued;
 * - each lane has its own runner, watermarks and group, so async messages waiting for their share of the
 *   provider slots pause only the async lane's fetching, never the realtime lane's.
 * A rebalance that takes a partition away aborts its calls (another member answers them); one that
 * gives it back adopts the calls still running for the redelivered messages (LaneCallsRegistry).
 * Before a batch's calls start, one ledger query sorts out the messages whose request already has a
 * booked result (a redelivery after a crash): they are acknowledged, not called (AnsweredRequests);
 * the same query writes the others' provider calls ahead, each under the id its result carries.
 * Messages that fail LaneRequestV1 go to the dead-letter topic, as does one whose handling threw (a
 * bug: provider failures are results). Shutdown (beforeApplicationShutdown, before the producer closes)
 * lets calls finish within half of SHUTDOWN_TIMEOUT_MS; what still runs then is aborted, not published
 * and not committed, so it is redelivered.
 */
@Injectable()
export class LanesConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly runners = new Map<WorkerLane, ConsumerRunner<LaneRequestV1>>();
  private readonly calls = new Map<WorkerLane, LaneCallsRegistry>();
  private readonly longestCallMs: number;
  /** Tells this process's call ids from those of the one before a crash (callIdFor). */
  private readonly incarnation = randomUUID();

  constructor(
    @Inject(KAFKA_DRIVER) private readonly kafka: KafkaDriver,
    @Inject(KafkaProducer) private readonly producer: KafkaProducer,
    @Inject(RealtimeWorkerConfig) private readonly config: RealtimeWorkerConfig,
    @Inject(WORKER_TOPICS) private readonly topics: WorkerTopics,
    @Inject(LaneRequestHandler) private readonly handler: LaneRequestHandler,
    @Inject(AnsweredRequests) private readonly answered: AnsweredRequests,
    @Inject(MessageObserver) private readonly messages: MessageObserver,
    @Inject(ConsumerHealthRegistry) private readonly health: ConsumerHealthRegistry,
    @Inject(MessageSigner) private readonly signer: MessageSigner,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
    @Inject(REQUEST_TRACER) private readonly tracer: RequestTracer,
  ) {
    this.longestCallMs = longestCallMs({
      maxAttempts: config.WORKER_MAX_ATTEMPTS,
      maxDelayMs: Math.max(config.WORKER_RETRY_MAX_DELAY_MS, config.WORKER_RETRY_BASE_DELAY_MS),
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    const config = this.config;
    const backpressure = laneWatermarks({
      defaultCapacity: config.WORKER_MAX_CONCURRENCY,
      overrides: parsedOrThrow('WORKER_MODEL_CONCURRENCY', parseConcurrencyMap(config.WORKER_MODEL_CONCURRENCY)),
      batchSize: config.WORKER_PARTITION_BATCH_SIZE,
      maxInFlight: config.WORKER_MAX_IN_FLIGHT,
    });
    for (const lane of LANES) {
      const calls = new LaneCallsRegistry((error) => error instanceof ShutdownAbortError);
      const runner = new ConsumerRunner<LaneRequestV1>({
        kafka: reportingJoins(this.kafka, ({ assignment }) => calls.assigned(assignment)),
        groupId: `${config.KAFKA_GROUP_ID}.${lane}`,
        topics: [this.topics.lanes[lane]],
        // Only the router's lane messages: a forged one would spend on the tenant's behalf.
        authentication: internalAuthentication([this.topics.lanes[lane]], this.signer, this.metrics),
        validate: (plain) => validateMessage(LaneRequestV1, plain),
        handleBatch: (messages) => this.handleBatch(lane, calls, messages),
        maxBatchSize: config.WORKER_PARTITION_BATCH_SIZE,
        partitionsConsumedConcurrently: config.WORKER_PARTITIONS_CONCURRENCY,
        backpressure,
        deadLetter: { producer: this.producer, topic: this.topics.deadLetter },
        // Held calls settle by the drain deadline (aborted then); the rest is for committing and leaving.
        shutdownTimeoutMs: Math.floor((config.SHUTDOWN_TIMEOUT_MS * 3) / 4),
        // The service's session (KAFKA_SESSION_TIMEOUT_MS), not the runner's 30 s default: a copy that
        // died is replaced within it, and a realtime request cannot wait half a minute.
        session: consumerSessionOf(config),
      });
      this.health.register(runner.groupId, { consumerHealth: () => runner.health() });
      this.runners.set(lane, runner);
      this.calls.set(lane, calls);
    }
    await Promise.all([...this.runners.values()].map((runner) => runner.start()));
  }

  async beforeApplicationShutdown(): Promise<void> {
    const drain = setTimeout(
      () => {
        for (const calls of this.calls.values()) calls.abortAll(new Error('the drain deadline of the shutdown passed'));
      },
      Math.floor(this.config.SHUTDOWN_TIMEOUT_MS / 2),
    );
    try {
      await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    } finally {
      clearTimeout(drain);
    }
  }

  /** Per lane: messages held now and at most so far, pauses, retries, dead letters, calls running. */
  stats(): Partial<Record<WorkerLane, LaneStats>> {
    return Object.fromEntries(
      [...this.runners].map(([lane, runner]) => {
        const { running, maxRunning } = this.calls.get(lane)!.stats();
        return [lane, { ...runner.stats(), calls: running, maxCalls: maxRunning }];
      }),
    );
  }

  /**
   * A fetched batch: one ledger query first, so a redelivered message whose request already has its
   * result is answered from the ledger and acknowledged instead of calling the provider again; the
   * others are held while their calls run.
   */
  private async handleBatch(lane: WorkerLane, calls: LaneCallsRegistry, messages: ReadonlyArray<InboundMessage<LaneRequestV1>>): Promise<MessageOutcome[]> {
    // A span per message for its time in the lane (held calls outlive the batch), linked to the batch's.
    const spans = this.tracer.batch(
      `realtime-worker ${lane}`,
      messages.map(({ value, context }) => ({
        traceparent: context.headers[CorrelationHeaders.TraceParent],
        attributes: { 'sluice.request_id': value.request.id, 'sluice.tenant': value.request.tenant, 'sluice.lane': lane },
      })),
      { 'messaging.destination.name': this.topics.lanes[lane] },
    );
    try {
      const correlations = messages.map((message, index) => correlationOf(message, spans.requests[index]!.traceparent));
      const now = Date.now();
      const deliveries = messages.map(({ value }, index) => ({
        tenant: value.request.tenant,
        requestId: value.request.id,
        correlation: correlations[index]!,
        call: callAhead(value, lane, callIdFor(this.incarnation, messages[index]!.context), now, this.longestCallMs),
      }));
      const toCall = await this.answered.toCall(lane, deliveries);
      return messages.map((message, index): MessageOutcome => {
        const span = spans.requests[index]!;
        if (toCall[index]) return this.hold(lane, calls, message, correlations[index]!, deliveries[index]!.call.callId, span);
        span.set({ 'sluice.answered_from_ledger': true });
        span.end();
        return { ok: true };
      });
    } catch (error) {
      for (const span of spans.requests) {
        span.fail(error);
        span.end();
      }
      throw error;
    } finally {
      spans.end();
    }
  }

  private hold(
    lane: WorkerLane,
    calls: LaneCallsRegistry,
    { value, context }: InboundMessage<LaneRequestV1>,
    correlation: Correlation,
    callId: string,
    span: RequestSpan,
  ): MessageOutcome {
    const { request } = value;
    const log = this.messages.received(context, { requestId: request.id, tenant: request.tenant });
    // Every held call listens on the runner's one abort signal; hundreds at once are expected.
    setMaxListeners(0, context.signal);
    const held = calls.hold(
      context,
      async (signal) => {
        try {
          const result = await this.handler.handle(value, lane, { signal, log, correlation, callId });
          span.set({ 'sluice.status': result.status, 'sluice.result_id': result.resultId });
        } catch (error) {
          span.fail(error);
          throw error;
        } finally {
          span.end();
        }
      },
      context.signal,
    );
    return { ok: true, held };
  }
}

/** The correlation headers a lane message came with, carried onto its result; the traceparent is the lane span's when tracing is on. */
function correlationOf({ value, context }: InboundMessage<LaneRequestV1>, traceparent: string | undefined): Correlation {
  return {
    requestId: value.request.id,
    correlationId: context.headers[CorrelationHeaders.CorrelationId],
    traceparent,
  };
}
