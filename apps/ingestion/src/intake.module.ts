import { Inject, Injectable, Module, OnApplicationShutdown, OnModuleInit, Provider } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { loadRoutingPolicy } from '@sluice/config';
import { BrokerTopics, BulkValve } from '@sluice/kafka';
import { createRepositories, LedgerRepositories } from '@sluice/ledger';
import { PG_POOL, ROOT_LOGGER } from '@sluice/observability';
import type { RoutingPolicy } from '@sluice/routing';
import type { Pool } from 'pg';
import type { Logger } from 'pino';
import type { IntakeCounters, IntakePublisher } from './accept/accept.ports';
import { AcceptRequestsHandler } from './accept/accept-requests.handler';
import { IntakeMetrics } from './accept/intake.metrics';
import { KafkaIntakePublisher } from './accept/intake.publisher';
import { ReplyTopicsCache } from './accept/reply-topics.cache';
import { newFacadeId, newJobId, newRequestId } from './accept/request-id.generator';
import { COST_LEDGER, CostsController } from './costs/costs.controller';
import { EventStreamsKeeper } from './events/event-streams.keeper';
import { RequestEventsController } from './events/request-events.controller';
import { RequestEventsHub } from './events/request-events.hub';
import { RequestEventsRelay } from './events/request-events.relay';
import { API_KEYS, ApiKeyGuard } from './http/auth/api-key.guard';
import { RequestsController } from './http/requests.controller';
import { RequestStatusQuery } from './http/status/request-status.query';
import { SubmitRequestsHandler } from './http/submissions/submit-requests.handler';
import { IngestionConfig } from './ingestion.config';
import { FacadeCalls } from './facade/calls/facade-calls.handler';
import { OpenAIController } from './facade/openai/openai.controller';
import { AnthropicController } from './facade/anthropic/anthropic.controller';
import { OpenAIBatchesController } from './facade/openai-batches/openai-batches.controller';
import { OpenAIBatches } from './facade/openai-batches/openai-batches.handler';
import { BatchJobs } from './facade/batches/batch-jobs';
import { MessageBatchesController } from './facade/anthropic-batches/message-batches.controller';
import { MessageBatches } from './facade/anthropic-batches/message-batches.handler';
import { JobIntakeHandler } from './jobs/job-intake.handler';
import { JobsController } from './jobs/jobs.controller';
import { JobsQuery } from './jobs/jobs.query';
import { RequestsHandler } from './requests/requests.handler';
import { TenantPoliciesCache } from './tenants/tenant-policies.cache';

const LEDGER = Symbol('ingestion.ledger');
const ROUTING_POLICY = Symbol('ingestion.routing-policy');

// A job's lines are recorded and published in chunks of this many, or of this many bytes of lines,
// whichever comes first: one multi-row insert and one produce request each, the latter far below
// the broker's default 1 MB per partition even if every message of a chunk lands on one partition.
const JOB_CHUNK_LINES = 500;
const JOB_CHUNK_BYTES = 256 * 1024;
// While one chunk is written to the ledger and another to the broker, the next is read and validated.
const JOB_CHUNKS_IN_FLIGHT = 3;
// A facade file is stored in parts of this size: one insert each while it uploads, one read each when read back.
const FACADE_FILE_PART_BYTES = 1024 * 1024;

/** What the Kafka and the HTTP request handlers are both built from: the one intake, its counters, the config and the admission caches. */
const ADMISSION = [AcceptRequestsHandler, IntakeMetrics, IngestionConfig, TenantPoliciesCache, ReplyTopicsCache] as const;
type Admission = [AcceptRequestsHandler, IntakeCounters, IngestionConfig, TenantPoliciesCache, ReplyTopicsCache];

/** Tenants' policies and the cluster's topics are read before anything is taken in, and kept fresh until shutdown. */
@Injectable()
class AdmissionCachesLifecycle implements OnModuleInit, OnApplicationShutdown {
  constructor(
    private readonly policies: TenantPoliciesCache,
    private readonly replyTopics: ReplyTopicsCache,
    private readonly config: IngestionConfig,
    @Inject(ROOT_LOGGER) private readonly logger: Logger,
  ) {}

  async onModuleInit(): Promise<void> {
    if (this.config.SLUICE_ENV === 'production' && this.config.INGESTION_UNCONFIGURED_TENANTS === 'open') {
      this.logger.warn(
        'INGESTION_UNCONFIGURED_TENANTS is open: whoever may write sluice.requests.v1 or sluice.requests.bulk.v1 speaks for every tenant bound to no intake topic; bind tenants (npm run keys -- bind) and set it to closed',
      );
    }
    await Promise.all([this.policies.start(), this.replyTopics.start()]);
  }

  onApplicationShutdown(): void {
    this.policies.stop();
    this.replyTopics.stop();
  }
}

const providers: Provider[] = [
  // Read while the module is built: a bad policy file fails the boot before anything is taken in.
  { provide: ROUTING_POLICY, inject: [IngestionConfig], useFactory: (config: IngestionConfig) => loadRoutingPolicy(config.ROUTING_POLICY_FILE) },
  { provide: LEDGER, inject: [PG_POOL], useFactory: (pool: Pool): LedgerRepositories => createRepositories(pool) },
  { provide: API_KEYS, inject: [LEDGER], useFactory: (ledger: LedgerRepositories) => ledger.apiKeys },
  IntakeMetrics,
  KafkaIntakePublisher,
  {
    provide: TenantPoliciesCache,
    inject: [LEDGER, IngestionConfig, ROOT_LOGGER],
    useFactory: (ledger: LedgerRepositories, config: IngestionConfig, logger: Logger) =>
      new TenantPoliciesCache(
        ledger.tenants,
        { unconfigured: config.INGESTION_UNCONFIGURED_TENANTS, refreshMs: config.INGESTION_TENANT_POLICIES_REFRESH_MS },
        logger.child({ component: 'tenant-policies' }),
      ),
  },
  BrokerTopics,
  {
    provide: ReplyTopicsCache,
    inject: [BrokerTopics, IngestionConfig, ROOT_LOGGER],
    useFactory: (broker: BrokerTopics, config: IngestionConfig, logger: Logger) =>
      new ReplyTopicsCache(
        () => broker.list(),
        { refreshMs: config.INGESTION_TOPICS_REFRESH_MS, recheckGapMs: config.INGESTION_TOPICS_RECHECK_GAP_MS },
        logger.child({ component: 'reply-topics' }),
      ),
  },
  AdmissionCachesLifecycle,
  {
    provide: AcceptRequestsHandler,
    inject: [LEDGER, KafkaIntakePublisher, IntakeMetrics, ROUTING_POLICY],
    useFactory: (ledger: LedgerRepositories, publisher: IntakePublisher, counters: IntakeCounters, policy: RoutingPolicy) =>
      new AcceptRequestsHandler({ ledger: ledger.requests, publisher, counters, clock: () => new Date(), newId: newRequestId, policy }),
  },
  {
    provide: RequestsHandler,
    inject: [...ADMISSION],
    useFactory: (...[intake, counters, config, tenants, replyTopics]: Admission) =>
      new RequestsHandler(intake, counters, { maxBytes: config.INGESTION_BODY_LIMIT_BYTES }, tenants, replyTopics),
  },
  {
    provide: SubmitRequestsHandler,
    inject: [...ADMISSION],
    useFactory: (...[intake, counters, config, tenants, replyTopics]: Admission) =>
      new SubmitRequestsHandler(
        intake,
        counters,
        { singleBodyBytes: config.INGESTION_BODY_LIMIT_BYTES, bulkMaxRequests: config.INGESTION_BULK_MAX_REQUESTS },
        () => newRequestId(new Date()),
        tenants,
        replyTopics,
      ),
  },
  { provide: RequestStatusQuery, inject: [LEDGER], useFactory: (ledger: LedgerRepositories) => new RequestStatusQuery(ledger.requests, ledger.completions) },
  {
    provide: JobIntakeHandler,
    inject: [LEDGER, AcceptRequestsHandler, IntakeMetrics, IngestionConfig, BulkValve, TenantPoliciesCache, ReplyTopicsCache],
    useFactory: (
      ledger: LedgerRepositories,
      intake: AcceptRequestsHandler,
      counters: IntakeCounters,
      config: IngestionConfig,
      valve: BulkValve,
      tenants: TenantPoliciesCache,
      replyTopics: ReplyTopicsCache,
    ) =>
      new JobIntakeHandler({
        jobs: ledger.jobs,
        intake,
        counters,
        clock: () => new Date(),
        newJobId,
        limits: { chunkLines: JOB_CHUNK_LINES, chunkBytes: JOB_CHUNK_BYTES, chunksInFlight: JOB_CHUNKS_IN_FLIGHT, maxLines: config.INGESTION_JOB_MAX_LINES },
        valve,
        tenants,
        replyTopics,
      }),
  },
  {
    provide: BatchJobs,
    inject: [LEDGER, JobIntakeHandler, IngestionConfig],
    useFactory: (ledger: LedgerRepositories, intake: JobIntakeHandler, config: IngestionConfig) =>
      new BatchJobs({
        store: ledger.facadeBatches,
        jobs: ledger.jobs,
        intake,
        clock: () => new Date(),
        newFileId: () => newFacadeId('file-', new Date()),
        limits: { partBytes: FACADE_FILE_PART_BYTES, maxLineBytes: config.INGESTION_BODY_LIMIT_BYTES, maxFileBytes: config.INGESTION_FACADE_FILE_MAX_BYTES },
      }),
  },
  {
    provide: OpenAIBatches,
    inject: [BatchJobs],
    useFactory: (batchJobs: BatchJobs) => new OpenAIBatches({ batchJobs, clock: () => new Date(), newBatchId: () => newFacadeId('batch_', new Date()) }),
  },
  {
    provide: MessageBatches,
    inject: [BatchJobs],
    useFactory: (batchJobs: BatchJobs) => new MessageBatches({ batchJobs, clock: () => new Date(), newBatchId: () => newFacadeId('msgbatch_', new Date()) }),
  },
  { provide: JobsQuery, inject: [LEDGER], useFactory: (ledger: LedgerRepositories) => new JobsQuery(ledger.jobs) },
  { provide: COST_LEDGER, inject: [LEDGER], useFactory: (ledger: LedgerRepositories) => ledger.completions },
  ApiKeyGuard,
  { provide: RequestEventsHub, useFactory: () => new RequestEventsHub() },
  RequestEventsRelay,
  {
    provide: FacadeCalls,
    inject: [SubmitRequestsHandler, RequestEventsHub, RequestEventsRelay, RequestStatusQuery, IngestionConfig, ROUTING_POLICY],
    useFactory: (
      submissions: SubmitRequestsHandler,
      hub: RequestEventsHub,
      relay: RequestEventsRelay,
      status: RequestStatusQuery,
      config: IngestionConfig,
      policy: RoutingPolicy,
    ) =>
      new FacadeCalls({
        submissions,
        hub,
        relay,
        status,
        policy,
        newId: () => newRequestId(new Date()),
        limits: {
          resultWaitMs: config.INGESTION_SSE_RESULT_WAIT_MS,
          maxDeadlineMs: config.INGESTION_FACADE_MAX_DEADLINE_MS,
          graceMs: config.INGESTION_FACADE_DEADLINE_GRACE_MS,
        },
      }),
  },
  EventStreamsKeeper,
];

/**
 * Everything ingestion does except consuming its topic: the use cases, the HTTP API, the event streams
 * and their relay. Tests compose it with a consumer of a topic of their own.
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [IngestionConfig],
      useFactory: (config: IngestionConfig) => ({
        throttlers: [{ ttl: config.INGESTION_RATE_LIMIT_WINDOW_MS, limit: config.INGESTION_RATE_LIMIT_REQUESTS }],
      }),
    }),
  ],
  controllers: [
    RequestsController,
    RequestEventsController,
    JobsController,
    CostsController,
    OpenAIController,
    AnthropicController,
    OpenAIBatchesController,
    MessageBatchesController,
  ],
  providers,
  // The hub and its relay feed the console's live view too.
  exports: [RequestsHandler, RequestEventsHub, RequestEventsRelay],
})
export class IntakeModule {}
