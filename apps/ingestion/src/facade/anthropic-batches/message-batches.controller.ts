import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { newRequestId } from '../../accept/request-id.generator';
import { Tenant } from '../../http/auth/api-key.guard';
import { Received, type ReceivedBody } from '../../http/body/request-body.parser';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../../http/deadlines/handling-deadline.interceptor';
import { KeyRateGuard } from '../../http/limits/key-rate.guard';
import { AnthropicKeyGuard } from '../anthropic/anthropic-key.guard';
import { AnthropicErrorsFilter } from '../anthropic/anthropic-errors.filter';
import { anthropicErrorBody, anthropicFailure } from '../anthropic/anthropic.errors';
import { DEADLINE_HEADER } from '../calls/call.deadline';
import { traceOf } from '../calls/call.trace';
import { BatchAnswer, MessageBatches } from './message-batches.handler';

const MAX_LIST = 1_000;

function send(response: ServerResponse, answer: BatchAnswer): void {
  if (answer.ok) {
    response.writeHead(answer.status, { 'Content-Type': 'application/json' });
    response.end(JSON.stringify(answer.body));
    return;
  }
  const requestId = newRequestId(new Date());
  response.writeHead(answer.failure.status, { 'Content-Type': 'application/json', 'request-id': requestId });
  response.end(JSON.stringify(anthropicErrorBody(answer.failure, requestId)));
}

/** Where the caller reached this facade, for the absolute results_url the SDK follows. */
function facadeBase(request: IncomingMessage): string {
  const forwarded = request.headers['x-forwarded-proto'];
  const protocol = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0].trim() || 'http';
  return `${protocol}://${request.headers.host ?? 'localhost'}/anthropic`;
}

/** Anthropic's Message Batches API at /anthropic/v1/messages/batches: a batch is a bulk job of Sluice requests. */
@ApiExcludeController()
@Controller('anthropic/v1/messages/batches')
@UseFilters(AnthropicErrorsFilter)
@UseGuards(AnthropicKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
export class MessageBatchesController {
  constructor(private readonly batches: MessageBatches) {}

  @Post()
  // Records every request of the batch before answering: as long as that takes.
  @HandlingDeadline('none')
  async create(@Received() received: ReceivedBody, @Tenant() tenant: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    if (!received.ok) return send(response, { ok: false, failure: anthropicFailure(received.code, received.message, { status: received.status }) });
    send(response, await this.batches.create(facadeBase(request), tenant, received.json, request.headers[DEADLINE_HEADER], traceOf(request)));
  }

  @Get()
  @HandlingDeadline('read')
  async list(
    @Tenant() tenant: string,
    @Query('after_id') after: string | undefined,
    @Query('limit') limit: string | undefined,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const count = limit === undefined ? 20 : Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > MAX_LIST) {
      return send(response, { ok: false, failure: anthropicFailure('INVALID_FIELD', `limit: must be an integer from 1 to ${MAX_LIST}`, { status: 400 }) });
    }
    send(response, await this.batches.list(facadeBase(request), tenant, after, count));
  }

  @Get(':id')
  @HandlingDeadline('read')
  async retrieve(@Tenant() tenant: string, @Param('id') id: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    send(response, await this.batches.retrieve(facadeBase(request), tenant, id));
  }

  @Get(':id/results')
  // A download lasts as long as the client takes to read it.
  @HandlingDeadline('none')
  async results(@Tenant() tenant: string, @Param('id') id: string, @Res() response: ServerResponse): Promise<void> {
    const results = await this.batches.results(tenant, id);
    if (!results.ok) return send(response, results);
    response.writeHead(200, { 'Content-Type': 'application/binary' });
    await pipeline(Readable.from(results.chunks), response);
  }

  @Post(':id/cancel')
  @HandlingDeadline('read')
  async cancel(@Tenant() tenant: string, @Param('id') id: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    send(response, await this.batches.cancel(facadeBase(request), tenant, id));
  }
}
