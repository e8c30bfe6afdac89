import type { NestExpressApplication } from '@nestjs/platform-express';
import { Topics } from '@sluice/contracts';
import type { ServiceDefinition } from '@sluice/observability';
import type { Server } from 'node:http';
import { setUpApiDocs } from './docs/api-docs.setup';
import { useRequestBodyParser } from './http/body/request-body.parser';
import { setServerTimeouts } from './http/deadlines/server-timeouts.setup';
import { IngestionConfig } from './ingestion.config';
import { forwardJobUploads } from './jobs/job-upload.forwarder';
import { IngestionModule } from './ingestion.module';

/** Ingestion's own application setup: where job uploads are served, its JSON body parser, how long a request may take to arrive, and the API docs. */
export function configureIngestion(app: NestExpressApplication): void {
  const config = app.get(IngestionConfig);
  // Ahead of the body parser and the routes: the upload's bytes pass through untouched.
  if (config.INGESTION_JOBS_UPSTREAM !== undefined) app.use('/v1/jobs', forwardJobUploads(new URL(config.INGESTION_JOBS_UPSTREAM)));
  useRequestBodyParser(app, config.INGESTION_BULK_BODY_LIMIT_BYTES, config.INGESTION_BODY_TIMEOUT_MS);
  // Node's defaults give a client 60 s for its headers and 5 minutes for its whole request: too long for
  // headers trickling in (slowloris), too short for a large job upload.
  setServerTimeouts(app.getHttpServer() as Server, { headersMs: config.INGESTION_HEADERS_TIMEOUT_MS, requestMs: config.INGESTION_REQUEST_TIMEOUT_MS });
  setUpApiDocs(app);
}

/** Ingestion as bootstrapService runs it; the integration harness builds the application from the same parts. */
export const ingestionService: ServiceDefinition<IngestionConfig> = {
  name: 'ingestion',
  module: IngestionModule,
  config: IngestionConfig,
  // Not InferenceRequestV1: RequestsHandler validates requests itself, to answer an invalid one from a
  // usable tenant with a `rejected` event naming its field rather than dead-lettering it.
  consumes: { [Topics.Requests]: 'json-object', [Topics.RequestsBulk]: 'json-object' },
  http: { bodyParser: false, rawBody: true },
  configure: configureIngestion,
};
