import { BeforeApplicationShutdown, Inject, Injectable, OnApplicationBootstrap } from '@nestjs/common';
import { CorrelationHeaders, LaneRequestV1, Topics, validateMessage } from '@sluice/contracts';
import { BulkValve, ConsumerRunner, KAFKA_DRIVER, KafkaDriver, KafkaProducer, MessageSigner } from '@sluice/kafka';
import type { BatchesRepository } from '@sluice/ledger';
import { ConsumerHealthRegistry, consumerSessionOf, internalAuthentication, MetricsRegistry, ROOT_LOGGER } from '@sluice/observability';
import type { Logger } from 'pino';
import { BatchAggregatorConfig } from '../batch-aggregator.config';
import { DeadlineGuard } from '../escalation/deadline.guard';
import { BatchTracker } from '../tracking/batch.tracker';
import { BatchIntake } from './batch.intake';

export const AGGREGATOR_BATCHES = Symbol('batch-aggregator.batches');

// Lane messages handed to the intake at once: one ledger write, committed once it is written.
const GROUP_SIZE = 1_000;
// The lane topic's partitions (deploy/kafka/topics.json): each fetched batch is one ledger write, and
// writes of several partitions overlap instead of queueing behind one another.
const PARTITIONS_AT_ONCE = 6;

/**
 * The batch lane on a ConsumerRunner of its own, in batch mode, rather than on the service's Kafka
 * transport: a fetched batch is one ledger write, and several partitions' writes overlap. A lane
 * message is committed once its window item is written; the windows live on in the ledger, so before
 * consuming, the windows an earlier run left open are adopted from there, and every batch the ledger
 * has unresolved is taken up again (submitted, polled or resolved). Stopping lets submissions under
 * way finish and leaves the open windows in the ledger for the next start.
 */
@Injectable()
export class BatchLaneConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private runner?: ConsumerRunner<LaneRequestV1>;

  constructor(
    @Inject(KAFKA_DRIVER) private readonly kafka: KafkaDriver,
    @Inject(KafkaProducer) private readonly producer: KafkaProducer,
    @Inject(BatchAggregatorConfig) private readonly config: BatchAggregatorConfig,
    @Inject(BatchIntake) private readonly intake: BatchIntake,
    @Inject(BatchTracker) private readonly tracker: BatchTracker,
    @Inject(DeadlineGuard) private readonly guard: DeadlineGuard,
    @Inject(AGGREGATOR_BATCHES) private readonly batches: Pick<BatchesRepository, 'listUnresolved'>,
    @Inject(ConsumerHealthRegistry) private readonly health: ConsumerHealthRegistry,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
    @Inject(BulkValve) private readonly valve: BulkValve,
    @Inject(MessageSigner) private readonly signer: MessageSigner,
    @Inject(MetricsRegistry) private readonly metrics: MetricsRegistry,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const unresolved = await this.batches.listUnresolved();
    for (const batch of unresolved) this.tracker.adopt(batch);
    if (unresolved.length > 0) this.logger.info({ batches: unresolved.length }, 'resuming the batches the ledger has unresolved');
    await this.intake.adopt();
    this.tracker.start();
    this.guard.start();

    const { config } = this;
    const runner = new ConsumerRunner<LaneRequestV1>({
      kafka: this.kafka,
      groupId: config.KAFKA_GROUP_ID,
      topics: [Topics.LaneBatch],
      // Only the router's lane messages: a forged one would be batched and billed on the tenant's behalf.
      authentication: internalAuthentication([Topics.LaneBatch], this.signer, this.metrics),
      validate: (plain) => validateMessage(LaneRequestV1, plain),
      handleBatch: (messages) =>
        this.intake.take(
          messages.map(({ value }) => value),
          messages.map(({ context }) => context.headers[CorrelationHeaders.TraceParent]),
        ),
      maxBatchSize: GROUP_SIZE,
      partitionsConsumedConcurrently: PARTITIONS_AT_ONCE,
      // Messages are in flight only while their fetched batch is written: room for every partition's.
      backpressure: { highWaterMark: GROUP_SIZE * PARTITIONS_AT_ONCE, lowWaterMark: GROUP_SIZE },
      deadLetter: { producer: this.producer },
      // The batch lane's deadlines are hours: its intake gives way while urgent work flows.
      valve: this.valve,
      shutdownTimeoutMs: Math.floor(config.SHUTDOWN_TIMEOUT_MS / 2),
      // The service's session, as its transport's groups have: a restarted copy takes over once the dead one's session ends.
      session: consumerSessionOf(config),
    });
    this.health.register(runner.groupId, { consumerHealth: () => runner.health() });
    this.runner = runner;
    await runner.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.runner?.pause();
    await this.intake.stop();
    await this.runner?.stop();
    await this.guard.stop();
    await this.tracker.stop();
  }
}
