import { Controller, Get, Param, Post, Query, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiKeyGuard, Tenant } from '../../http/auth/api-key.guard';
import { Received, type ReceivedBody } from '../../http/body/request-body.parser';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../../http/deadlines/handling-deadline.interceptor';
import { KeyRateGuard } from '../../http/limits/key-rate.guard';
import { IngestionConfig } from '../../ingestion.config';
import { traceOf } from '../calls/call.trace';
import { OpenAIErrorsFilter } from '../openai/openai-errors.filter';
import { openAIFailure, OpenAIFailure } from '../openai/openai.errors';
import { readMultipartForm } from './multipart.form';
import { Answer, OpenAIBatches } from './openai-batches.handler';

const MAX_LIST = 100;

function send(response: ServerResponse, answer: Answer): void {
  const { status, body } = answer.ok ? answer : { status: answer.failure.status, body: answer.failure.body };
  response.writeHead(status, { 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function sendFailure(response: ServerResponse, failure: OpenAIFailure): void {
  send(response, { ok: false, failure });
}

/** OpenAI's Files and Batch APIs at /openai/v1, for the official SDKs: a batch is a bulk job of Sluice requests. */
@ApiExcludeController()
@Controller('openai/v1')
@UseFilters(OpenAIErrorsFilter)
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
export class OpenAIBatchesController {
  constructor(
    private readonly batches: OpenAIBatches,
    private readonly config: IngestionConfig,
  ) {}

  @Post('files')
  // An upload lasts as long as its bytes take to arrive, bounded by INGESTION_REQUEST_TIMEOUT_MS.
  @HandlingDeadline('none')
  async upload(@Tenant() tenant: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    const form = readMultipartForm(request, { fileBytes: this.config.INGESTION_FACADE_FILE_MAX_BYTES });
    let file;
    try {
      file = await form.file;
    } catch (error) {
      return sendFailure(
        response,
        openAIFailure('INVALID_FIELD', `${(error as Error).message}: send it as the form's file field`, { status: 400, field: 'file' }),
      );
    }
    const answer = await this.batches.upload(tenant, file.filename, file.stream, async () => {
      await form.done;
      return form.fields.get('purpose');
    });
    // A refused upload is answered at once; the rest of its body is not read.
    if (!answer.ok) file.stream.resume();
    send(response, answer);
  }

  @Get('files/:id')
  @HandlingDeadline('none')
  async file(@Tenant() tenant: string, @Param('id') id: string, @Res() response: ServerResponse): Promise<void> {
    send(response, await this.batches.file(tenant, id));
  }

  @Get('files/:id/content')
  // A download lasts as long as the client takes to read it.
  @HandlingDeadline('none')
  async content(@Tenant() tenant: string, @Param('id') id: string, @Res() response: ServerResponse): Promise<void> {
    const content = await this.batches.content(tenant, id);
    if (!content.ok) return send(response, content);
    response.writeHead(200, { 'Content-Type': 'application/octet-stream' });
    await pipeline(Readable.from(content.chunks), response);
  }

  @Post('batches')
  // Reads the input file twice (validation, then intake): as long as the file takes.
  @HandlingDeadline('none')
  async create(@Received() received: ReceivedBody, @Tenant() tenant: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    if (!received.ok) return sendFailure(response, openAIFailure(received.code, received.message, { status: received.status }));
    send(response, await this.batches.create(tenant, received.json, traceOf(request)));
  }

  @Get('batches')
  @HandlingDeadline('read')
  async list(
    @Tenant() tenant: string,
    @Query('after') after: string | undefined,
    @Query('limit') limit: string | undefined,
    @Res() response: ServerResponse,
  ): Promise<void> {
    const count = limit === undefined ? 20 : Number(limit);
    if (!Number.isInteger(count) || count < 1 || count > MAX_LIST) {
      return sendFailure(response, openAIFailure('INVALID_FIELD', `limit must be an integer from 1 to ${MAX_LIST}`, { status: 400, field: 'limit' }));
    }
    send(response, await this.batches.list(tenant, after, count));
  }

  @Get('batches/:id')
  @HandlingDeadline('read')
  async retrieve(@Tenant() tenant: string, @Param('id') id: string, @Res() response: ServerResponse): Promise<void> {
    send(response, await this.batches.retrieve(tenant, id));
  }

  @Post('batches/:id/cancel')
  @HandlingDeadline('read')
  async cancel(@Tenant() tenant: string, @Param('id') id: string, @Res() response: ServerResponse): Promise<void> {
    send(response, await this.batches.cancel(tenant, id));
  }
}
