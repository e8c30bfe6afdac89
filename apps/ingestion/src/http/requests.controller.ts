import { Controller, Get, Headers, Param, Post, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiBody,
  ApiExtraModels,
  ApiForbiddenResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import { CorrelationHeaders, ErrorCode } from '@sluice/contracts';
import { PinoLogger } from 'nestjs-pino';
import type { ServerResponse } from 'node:http';
import type { Trace } from '../accept/accept.ports';
import {
  API_KEY_OVER_LIMIT,
  ApiErrorDoc,
  BulkReceiptDoc,
  BulkSubmissionDoc,
  InferenceRequestDoc,
  READ_TIMED_OUT,
  RefusedItemDoc,
  RequestReceiptDoc,
  RequestViewDoc,
} from '../docs/api.schemas';
import { ApiKeyGuard, Tenant } from './auth/api-key.guard';
import { KeyRateGuard } from './limits/key-rate.guard';
import { Received, type ReceivedBody } from './body/request-body.parser';
import { HandlingDeadline, HandlingDeadlineInterceptor } from './deadlines/handling-deadline.interceptor';
import { ApiError } from './errors/api.error';
import type { RequestView } from './status/request-status.view';
import { RequestStatusQuery } from './status/request-status.query';
import { requestIdsOf, SubmitRequestsHandler, type SubmissionReply } from './submissions/submit-requests.handler';

// Enough ids to find a bulk submission in the logs without writing a thousand of them per line.
const LOGGED_IDS = 20;

@ApiTags('requests')
@ApiBearerAuth()
@ApiExtraModels(InferenceRequestDoc, BulkSubmissionDoc, RequestReceiptDoc, RefusedItemDoc, BulkReceiptDoc)
@ApiUnauthorizedResponse({ type: ApiErrorDoc, description: 'No, malformed, unknown or revoked API key.' })
@Controller('v1/requests')
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
@ApiTooManyRequestsResponse({ type: ApiErrorDoc, description: API_KEY_OVER_LIMIT })
export class RequestsController {
  constructor(
    private readonly submissions: SubmitRequestsHandler,
    private readonly status: RequestStatusQuery,
    private readonly logger: PinoLogger,
  ) {
    logger.setContext(RequestsController.name);
  }

  @Post()
  @HandlingDeadline('submit')
  @ApiOperation({
    summary: 'Submit one request, or several as { "requests": [...] }',
    description:
      "Requests act for the API key's tenant. Idempotent by id: the same id with the same content answers the " +
      'existing request (200, duplicate: true); with different content, 409. One invalid request refuses the whole body (400).',
  })
  @ApiBody({ schema: { oneOf: [{ $ref: getSchemaPath(InferenceRequestDoc) }, { $ref: getSchemaPath(BulkSubmissionDoc) }] } })
  @ApiResponse({
    status: 202,
    description: 'Accepted: one receipt, or `{ requests: [...] }` for a bulk body.',
    schema: { oneOf: [{ $ref: getSchemaPath(RequestReceiptDoc) }, { $ref: getSchemaPath(BulkReceiptDoc) }] },
  })
  @ApiOkResponse({ type: RequestReceiptDoc, description: 'Already accepted with this id and the same content.' })
  @ApiResponse({ status: 400, type: ApiErrorDoc, description: 'Invalid JSON, shape or request; `errors` names each field.' })
  @ApiForbiddenResponse({ type: ApiErrorDoc, description: "A request names a tenant other than the API key's." })
  @ApiResponse({ status: 409, type: ApiErrorDoc, description: 'DUPLICATE_ID_CONFLICT: the id is taken by a different request.' })
  @ApiResponse({ status: 413, type: ApiErrorDoc, description: 'PAYLOAD_TOO_LARGE: the body, or the number of requests, is over the limit.' })
  @ApiResponse({ status: 415, type: ApiErrorDoc, description: 'The body is not sent as application/json.' })
  @ApiResponse({
    status: 503,
    type: ApiErrorDoc,
    description:
      'The ledger or the broker did not answer, or not within INGESTION_SUBMIT_DEADLINE_MS (code TIMEOUT); retry (requests with ids are never accepted twice).',
  })
  async submit(
    @Received() body: ReceivedBody,
    @Tenant() tenant: string,
    @Headers() headers: Record<string, string | undefined>,
    @Res({ passthrough: true }) response: ServerResponse,
  ): Promise<SubmissionReply['body']> {
    const trace: Trace = { correlationId: headers[CorrelationHeaders.CorrelationId], traceparent: headers[CorrelationHeaders.TraceParent] };
    let reply: SubmissionReply;
    try {
      reply = await this.submissions.submit(body, tenant, trace);
    } catch (error) {
      // The ledger or the broker did not answer. Requests recorded before the failure are published again
      // when the same ids come back, so the client is told to retry rather than that something broke for good.
      this.logger.error({ tenant, err: error }, 'submission failed');
      throw new ApiError(503, ErrorCode.INTERNAL, 'the request could not be recorded and published; retry it (a request with an id is never accepted twice)');
    }
    const requestIds = requestIdsOf(reply);
    this.logger.info({ tenant, status: reply.status, requests: requestIds.length, requestIds: requestIds.slice(0, LOGGED_IDS) }, 'submission answered');
    response.statusCode = reply.status;
    return reply.body;
  }

  @Get(':id')
  @HandlingDeadline('read')
  @ApiOperation({ summary: "A request's status, routing decision, timings, cost and result" })
  @ApiOkResponse({ type: RequestViewDoc })
  @ApiResponse({ status: 503, type: ApiErrorDoc, description: READ_TIMED_OUT })
  @ApiNotFoundResponse({ type: ApiErrorDoc, description: "No such request for the API key's tenant." })
  async find(@Param('id') id: string, @Tenant() tenant: string): Promise<RequestView> {
    const view = await this.status.find(tenant, id);
    if (view === undefined) throw ApiError.notFound(`request ${id}`);
    return view;
  }
}
