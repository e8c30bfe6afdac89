import { Controller, Get, Param, Req, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import {
  ApiBearerAuth,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
} from '@nestjs/swagger';
import { ErrorCode } from '@sluice/contracts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { API_KEY_OVER_LIMIT, ApiErrorDoc } from '../docs/api.schemas';
import { ApiKeyGuard, callerOf, Tenant } from '../http/auth/api-key.guard';
import { KeyRateGuard } from '../http/limits/key-rate.guard';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../http/deadlines/handling-deadline.interceptor';
import { ApiError } from '../http/errors/api.error';
import { isTerminal } from '../http/status/request-status.view';
import { RequestStatusQuery } from '../http/status/request-status.query';
import { IngestionConfig } from '../ingestion.config';
import { RequestEventsHub } from './request-events.hub';
import { RequestEventsRelay } from './request-events.relay';
import { RequestStream } from './request.stream';
import { sseSink, TextOut } from './sse.sink';
import { StreamQuota } from './stream.quota';
import { SSE_RESPONSE_HEADERS } from './sse.frames';

// A client this far behind is not reading; it is cut off and may reconnect (the ledger catches it up).
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;

function responseOut(response: ServerResponse, onEnd: () => void): TextOut {
  return {
    write: (text) => {
      response.write(text);
      if (response.writableLength > MAX_BUFFERED_BYTES) response.destroy();
    },
    end: () => {
      onEnd();
      response.end();
    },
  };
}

@ApiTags('requests')
@ApiBearerAuth()
@Controller('v1/requests')
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
@ApiTooManyRequestsResponse({ type: ApiErrorDoc, description: API_KEY_OVER_LIMIT })
export class RequestEventsController {
  private readonly quota: StreamQuota;

  constructor(
    private readonly hub: RequestEventsHub,
    private readonly relay: RequestEventsRelay,
    private readonly status: RequestStatusQuery,
    private readonly config: IngestionConfig,
  ) {
    this.quota = new StreamQuota(config.INGESTION_SSE_MAX_STREAMS_PER_KEY);
  }

  @Get(':id/events')
  // Open as long as the request is not complete and the client listens; cut off when the client stops reading (MAX_BUFFERED_BYTES).
  @HandlingDeadline('none')
  @ApiOperation({
    summary: "A request's lifecycle as Server-Sent Events",
    description:
      'First `status` (what the ledger knows, as GET /v1/requests/:id), then the lifecycle events as they happen ' +
      '(event name = type: accepted, routed, queued, batched, submitted, progress, escalated, completed, failed), token ' +
      '`chunk`s of a streamed completion, the delivered `result`, and `end`; then the stream closes. A request that is ' +
      'already complete gets `status`, its stored `result` and `end` at once.',
  })
  @ApiProduces('text/event-stream')
  @ApiOkResponse({ description: 'The event stream.' })
  @ApiUnauthorizedResponse({ type: ApiErrorDoc, description: 'No, malformed, unknown or revoked API key.' })
  @ApiNotFoundResponse({ type: ApiErrorDoc, description: "No such request for the API key's tenant." })
  @ApiResponse({
    status: 503,
    type: ApiErrorDoc,
    description: 'The broker did not answer in time, so live events cannot be promised; the status is still at GET /v1/requests/:id.',
  })
  async events(@Param('id') id: string, @Tenant() tenant: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    const { keyPrefix } = callerOf(request)!;
    const release = this.quota.take(keyPrefix);
    if (release === undefined) {
      throw new ApiError(
        429,
        'RATE_LIMITED',
        `this API key has ${this.config.INGESTION_SSE_MAX_STREAMS_PER_KEY} event streams open, its limit; close one first`,
      );
    }
    // Every way out (the stream ends, the client leaves, an error is answered) closes the response.
    response.once('close', release);
    let unsubscribe = (): void => undefined;
    const stream = new RequestStream(
      tenant,
      id,
      sseSink(
        id,
        responseOut(response, () => unsubscribe()),
      ),
      {
        resultWaitMs: this.config.INGESTION_SSE_RESULT_WAIT_MS,
      },
    );
    // Subscribed, and the relay reading, before the ledger is read: nothing published between the two is lost.
    unsubscribe = this.hub.open(stream);
    try {
      await this.relay.goLive();
    } catch (error) {
      unsubscribe();
      throw new ApiError(
        503,
        ErrorCode.INTERNAL,
        `live events are not available right now (${(error as Error).message}); the request's status is at GET /v1/requests/${id}`,
      );
    }
    let view;
    try {
      view = await this.status.find(tenant, id);
    } catch (error) {
      unsubscribe();
      throw error;
    }
    if (view === undefined) {
      unsubscribe();
      throw ApiError.notFound(`request ${id}`);
    }
    response.writeHead(200, {
      ...SSE_RESPONSE_HEADERS,
    });
    // The response's close, not the request's: a request without a body "closes" as soon as it is read.
    response.once('close', () => stream.close());
    stream.start({ terminal: isTerminal(view.status), view, result: view.result ?? undefined });
  }
}
