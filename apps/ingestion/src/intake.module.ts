import { Module, Provider } from '@nestjs/common';
import { createRepositories, LedgerRepositories } from '@sluice/ledger';
import { PG_POOL } from '@sluice/observability';
import type { Pool } from 'pg';
import type { IntakeCounters, IntakePublisher } from './accept/accept.ports';
import { AcceptRequestsHandler } from './accept/accept-requests.handler';
import { IntakeMetrics } from './accept/intake.metrics';
import { KafkaIntakePublisher } from './accept/intake.publisher';
import { newRequestId } from './accept/request-id.generator';
import { EventStreamsKeeper } from './events/event-streams.keeper';
import { RequestEventsController } from './events/request-events.controller';
import { RequestEventsHub } from './events/request-events.hub';
import { RequestEventsRelay } from './events/request-events.relay';
import { API_KEYS, ApiKeyGuard } from './http/auth/api-key.guard';
import { RequestsController } from './http/requests.controller';
import { RequestStatusQuery } from './http/status/request-status.query';
import { SubmitRequestsHandler } from './http/submissions/submit-requests.handler';
import { IngestionConfig } from './ingestion.config';
import { RequestsHandler } from './requests/requests.handler';

const LEDGER = Symbol('ingestion.ledger');

const providers: Provider[] = [
  { provide: LEDGER, inject: [PG_POOL], useFactory: (pool: Pool): LedgerRepositories => createRepositories(pool) },
  { provide: API_KEYS, inject: [LEDGER], useFactory: (ledger: LedgerRepositories) => ledger.apiKeys },
  IntakeMetrics,
  KafkaIntakePublisher,
  {
    provide: AcceptRequestsHandler,
    inject: [LEDGER, KafkaIntakePublisher, IntakeMetrics],
    useFactory: (ledger: LedgerRepositories, publisher: IntakePublisher, counters: IntakeCounters) =>
      new AcceptRequestsHandler({ ledger: ledger.requests, publisher, counters, clock: () => new Date(), newId: newRequestId }),
  },
  {
    provide: RequestsHandler,
    inject: [AcceptRequestsHandler, IntakeMetrics],
    useFactory: (intake: AcceptRequestsHandler, counters: IntakeCounters) => new RequestsHandler(intake, counters),
  },
  {
    provide: SubmitRequestsHandler,
    inject: [AcceptRequestsHandler, IntakeMetrics, IngestionConfig],
    useFactory: (intake: AcceptRequestsHandler, counters: IntakeCounters, config: IngestionConfig) =>
      new SubmitRequestsHandler(
        intake,
        counters,
        { singleBodyBytes: config.INGESTION_BODY_LIMIT_BYTES, bulkMaxRequests: config.INGESTION_BULK_MAX_REQUESTS },
        () => newRequestId(new Date()),
      ),
  },
  { provide: RequestStatusQuery, inject: [LEDGER], useFactory: (ledger: LedgerRepositories) => new RequestStatusQuery(ledger.requests, ledger.completions) },
  ApiKeyGuard,
  { provide: RequestEventsHub, useFactory: () => new RequestEventsHub() },
  RequestEventsRelay,
  EventStreamsKeeper,
];

/**
 * Everything ingestion does except consuming its topic: the use cases, the HTTP API, the event streams
 * and their relay. Tests compose it with a consumer of a topic of their own.
 */
@Module({
  controllers: [RequestsController, RequestEventsController],
  providers,
  exports: [RequestsHandler],
})
export class IntakeModule {}
