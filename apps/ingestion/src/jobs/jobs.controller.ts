import { Controller, Get, Headers, Param, Post, Query, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiConsumes,
  ApiExtraModels,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiQuery,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { CorrelationHeaders, ErrorCode, MAX_LATENCY_MS_LIMIT } from '@sluice/contracts';
import { PinoLogger } from 'nestjs-pino';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import type { Trace } from '../accept/accept.ports';
import { API_KEY_OVER_LIMIT, ApiErrorDoc, READ_TIMED_OUT } from '../docs/api.schemas';
import { JobReceiptDoc, JobViewDoc, RequestCountsDoc } from '../docs/jobs.schemas';
import { ApiKeyGuard, Tenant } from '../http/auth/api-key.guard';
import { KeyRateGuard } from '../http/limits/key-rate.guard';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../http/deadlines/handling-deadline.interceptor';
import { ApiError } from '../http/errors/api.error';
import { IngestionConfig } from '../ingestion.config';
import { JobIntakeHandler, JobIntakeReply } from './job-intake.handler';
import { JSONL_CONTENT_TYPES } from './job-options.parser';
import type { JobView } from './job.view';
import { JobsQuery } from './jobs.query';
import { jsonlLines } from './jsonl.lines';
import { JSONL_CONTENT_TYPE, streamJsonl } from './jsonl.response';

const AFTER = /^\d{1,10}$/;

@ApiTags('jobs')
@ApiBearerAuth()
@ApiExtraModels(RequestCountsDoc)
@ApiUnauthorizedResponse({ type: ApiErrorDoc, description: 'No, malformed, unknown or revoked API key.' })
@Controller('v1/jobs')
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
@ApiTooManyRequestsResponse({ type: ApiErrorDoc, description: API_KEY_OVER_LIMIT })
export class JobsController {
  constructor(
    private readonly intake: JobIntakeHandler,
    private readonly jobs: JobsQuery,
    private readonly config: IngestionConfig,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(JobsController.name);
  }

  @Post()
  // Read as it arrives, however long that takes: bounded by INGESTION_REQUEST_TIMEOUT_MS and INGESTION_JOB_MAX_LINES.
  @HandlingDeadline('none')
  @ApiOperation({
    summary: 'Submit a bulk job: a JSONL upload, one request per line',
    description:
      'Each line is a request as POST /v1/requests takes it (`tenant` may be left out), validated the same way; the query string gives defaults for ' +
      'what a line leaves out. The body is read as a stream, line by line, so an upload of any size works; valid lines are recorded and sent ' +
      'to the router in chunks while the rest is still arriving, invalid ones are reported and do not stop the job. Requests whose deadline ' +
      'allows it go to the batch lane like any other. A line without an `id` is named `<job id>-<line>`: posting the same file again under ' +
      'the same job `id` creates nothing twice (200, `created: false`), which is also how an upload that broke off is resumed.',
  })
  @ApiConsumes(...JSONL_CONTENT_TYPES)
  @ApiBody({
    schema: { type: 'string', format: 'binary', description: 'JSON Lines: one InferenceRequest object per line; blank lines are skipped.' },
  })
  @ApiQuery({
    name: 'id',
    required: false,
    description: 'The job id (`^[A-Za-z0-9_-]{1,48}$`), to post the same job again without duplicates; generated when absent.',
  })
  @ApiQuery({
    name: 'deadline',
    required: false,
    description: `Default deadline of lines without deadline or maxLatencyMs: a duration from the job's creation (\`6h\`, \`90m\`, \`1h30m\`, at most ${MAX_LATENCY_MS_LIMIT / 86_400_000} days) or an ISO-8601 instant.`,
  })
  @ApiQuery({ name: 'mode', required: false, enum: ['auto', 'realtime', 'async', 'batch'], description: 'Default mode.' })
  @ApiQuery({ name: 'provider', required: false, enum: ['openai', 'anthropic'], description: 'Default provider.' })
  @ApiQuery({ name: 'operation', required: false, enum: ['chat', 'embedding'], description: 'Default operation.' })
  @ApiResponse({ status: 202, type: JobReceiptDoc, description: 'A new job, read to its end.' })
  @ApiOkResponse({ type: JobReceiptDoc, description: 'The job existed with these options: it was read again, and only what was missing was recorded.' })
  @ApiResponse({ status: 400, type: ApiErrorDoc, description: 'An option is unknown or invalid (`field` names it); nothing was read.' })
  @ApiResponse({ status: 409, type: ApiErrorDoc, description: 'DUPLICATE_ID_CONFLICT: the job id exists with other options.' })
  @ApiResponse({
    status: 413,
    type: ApiErrorDoc,
    description: 'More lines than INGESTION_JOB_MAX_LINES: the lines up to the limit were taken, the rest was not read.',
  })
  @ApiResponse({ status: 415, type: ApiErrorDoc, description: `The body is not sent as ${JSONL_CONTENT_TYPES.join(', ')}.` })
  @ApiResponse({ status: 503, type: ApiErrorDoc, description: 'The ledger or the broker did not answer; post the job again under its id.' })
  async submit(
    @Req() request: IncomingMessage,
    @Query() query: Record<string, unknown>,
    @Tenant() tenant: string,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<JobIntakeReply['body']> {
    const trace: Trace = { correlationId: headers[CorrelationHeaders.CorrelationId], traceparent: headers[CorrelationHeaders.TraceParent] };
    // Not destroyed when reading stops early (a refused option, the line limit): the answer still has to go out.
    const body = (request as Readable).iterator({ destroyOnReturn: false });
    let reply: JobIntakeReply;
    try {
      reply = await this.intake.receive(tenant, query, headers['content-type'], jsonlLines(body, this.config.INGESTION_BODY_LIMIT_BYTES), trace);
    } catch (error) {
      if (request.destroyed && !request.complete) {
        this.logger.warn({ tenant }, 'job upload broke off before its end');
      } else {
        this.logger.error({ tenant, err: error }, 'job upload failed');
      }
      response.setHeader('connection', 'close');
      throw new ApiError(
        503,
        ErrorCode.INTERNAL,
        'the job could not be read to its end; post it again under its id (nothing already recorded is recorded twice)',
      );
    }
    // An answer before the end of the body: close the connection rather than read the rest only to drop it.
    if (!request.complete) response.setHeader('connection', 'close');
    const summary = 'id' in reply.body ? { jobId: reply.body.id, lines: reply.body.lines, accepted: reply.body.accepted, invalid: reply.body.invalid } : {};
    this.logger.info({ tenant, status: reply.status, ...summary }, 'job answered');
    response.statusCode = reply.status;
    return reply.body;
  }

  @Get(':id')
  @HandlingDeadline('read')
  @ApiOperation({ summary: "A job's status and progress: its requests by outcome and lane" })
  @ApiOkResponse({ type: JobViewDoc })
  @ApiResponse({ status: 503, type: ApiErrorDoc, description: READ_TIMED_OUT })
  @ApiNotFoundResponse({ type: ApiErrorDoc, description: "No such job for the API key's tenant." })
  async find(@Param('id') id: string, @Tenant() tenant: string): Promise<JobView> {
    const view = await this.jobs.find(tenant, id);
    if (view === undefined) throw ApiError.notFound(`job ${id}`);
    return view;
  }

  @Get(':id/results')
  // Streamed page by page as the client reads: a million results take as long as the client takes.
  @HandlingDeadline('none')
  @ApiOperation({
    summary: "The job's delivered results as JSONL, in line order",
    description:
      'One InferenceResultV1 per line, exactly as delivered (its `id` is the request id), for every line whose request is complete; lines still ' +
      'pending are left out, so a job read before it completes gives what is there. Streamed from the ledger page by page.',
  })
  @ApiProduces(JSONL_CONTENT_TYPE)
  @ApiQuery({ name: 'after', required: false, description: 'Only lines after this line number: to resume a download.' })
  @ApiOkResponse({ description: 'JSON Lines of InferenceResultV1.', schema: { type: 'string' } })
  @ApiResponse({ status: 400, type: ApiErrorDoc, description: '`after` is not a line number.' })
  @ApiNotFoundResponse({ type: ApiErrorDoc, description: "No such job for the API key's tenant." })
  async results(@Param('id') id: string, @Query('after') after: unknown, @Tenant() tenant: string, @Res() response: ServerResponse): Promise<void> {
    if (after !== undefined && (typeof after !== 'string' || !AFTER.test(after))) {
      throw new ApiError(400, ErrorCode.INVALID_FIELD, 'after must be a line number', { field: 'after' });
    }
    if (!(await this.jobs.exists(tenant, id))) throw ApiError.notFound(`job ${id}`);
    await streamJsonl(response, this.jobs.results(tenant, id, after === undefined ? 0 : Number(after)));
  }

  @Get(':id/errors')
  @HandlingDeadline('none')
  @ApiOperation({ summary: "Every problem of the job's refused lines as JSONL, in line order: { line, id, code, message, field }" })
  @ApiProduces(JSONL_CONTENT_TYPE)
  @ApiOkResponse({ description: 'JSON Lines of line errors.', schema: { type: 'string' } })
  @ApiNotFoundResponse({ type: ApiErrorDoc, description: "No such job for the API key's tenant." })
  async errors(@Param('id') id: string, @Tenant() tenant: string, @Res() response: ServerResponse): Promise<void> {
    if (!(await this.jobs.exists(tenant, id))) throw ApiError.notFound(`job ${id}`);
    await streamJsonl(response, this.jobs.errors(tenant, id));
  }
}
