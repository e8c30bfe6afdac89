import { Controller, Post, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { ApiKeyGuard, Tenant } from '../../http/auth/api-key.guard';
import { Received, type ReceivedBody } from '../../http/body/request-body.parser';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../../http/deadlines/handling-deadline.interceptor';
import { KeyRateGuard } from '../../http/limits/key-rate.guard';
import { DEADLINE_HEADER } from '../calls/call.deadline';
import { hangUpSignal, traceOf } from '../calls/call.trace';
import { CallAnswer, FacadeCalls } from '../calls/facade-calls.handler';
import { answerHeaders, failureHeaders, SluiceHeaders, streamHeaders } from '../calls/sluice.headers';
import { ChatChunkStream, chatCallOf } from './openai-chat.mapping';
import { embeddingsCallOf, embeddingsResponseAs } from './openai-embeddings.mapping';
import { OpenAIErrorsFilter } from './openai-errors.filter';
import { openAIFailure, OpenAIFailure, openAIFailureOf } from './openai.errors';
import type { Lane } from '@sluice/contracts';
import { SSE_RESPONSE_HEADERS } from '../../events/sse.frames';

const FACADE_METADATA = { 'sluice.facade': 'openai' };

function sendJson(response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders = {}): void {
  response.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

function sendFailure(response: ServerResponse, failure: OpenAIFailure, headers: OutgoingHttpHeaders = {}): void {
  sendJson(response, failure.status, failure.body, headers);
}

function headersOfFailure(answer: Exclude<CallAnswer, { kind: 'answered' }>): OutgoingHttpHeaders {
  if (answer.kind === 'refused') return {};
  return answer.kind === 'failed' ? failureHeaders(answer.requestId, answer.lane, answer.costUsd) : failureHeaders(answer.requestId);
}

/**
 * OpenAI's API at /openai/v1, for the official SDKs: each call is an ordinary Sluice request for the
 * API key's tenant, answered in OpenAI's shapes with the X-Sluice-* headers saying how.
 */
@ApiExcludeController()
@Controller('openai/v1')
@UseFilters(OpenAIErrorsFilter)
@UseGuards(ApiKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
export class OpenAIController {
  constructor(private readonly calls: FacadeCalls) {}

  @Post('chat/completions')
  // Bounded by the call's own deadline (X-Sluice-Deadline or the policy's default).
  @HandlingDeadline('none')
  async chat(@Received() received: ReceivedBody, @Tenant() tenant: string, @Req() request: IncomingMessage, @Res() response: ServerResponse): Promise<void> {
    if (!received.ok) return sendFailure(response, openAIFailure(received.code, received.message, { status: received.status }));
    const parsed = chatCallOf(received.json);
    if (!parsed.ok) return sendFailure(response, openAIFailure('INVALID_FIELD', parsed.message, { status: 400, field: parsed.param ?? undefined }));
    const call = parsed.value;
    const facadeRequest = {
      provider: 'openai' as const,
      operation: 'chat' as const,
      body: call.body,
      stream: call.stream,
      deadlineHeader: request.headers[DEADLINE_HEADER],
      bytes: received.bytes,
      metadata: FACADE_METADATA,
    };
    if (!call.stream) {
      const answer = await this.calls.call(tenant, facadeRequest, traceOf(request), {}, hangUpSignal(response));
      if (answer.kind !== 'answered') return sendFailure(response, openAIFailureOf(answer), headersOfFailure(answer));
      return sendJson(response, 200, answer.result.response, answerHeaders(answer.requestId, answer.result));
    }

    let requestId = '';
    let chunks: ChatChunkStream | undefined;
    const open = (lane: Lane): ChatChunkStream => {
      if (chunks !== undefined) return chunks;
      chunks = new ChatChunkStream(`chatcmpl-${requestId}`, call.body.model, Math.floor(Date.now() / 1000), call.includeUsage);
      response.writeHead(200, {
        ...streamHeaders(requestId, lane),
        ...SSE_RESPONSE_HEADERS,
      });
      response.write(chunks.opening());
      return chunks;
    };
    const answer = await this.calls.call(
      tenant,
      facadeRequest,
      traceOf(request),
      {
        accepted: (id) => (requestId = id),
        lane: (lane) => open(lane),
        chunk: (chunk) => response.write(open('realtime').delta(chunk.delta)),
      },
      hangUpSignal(response),
    );
    if (answer.kind !== 'answered') {
      const failure = openAIFailureOf(answer);
      if (chunks === undefined) return sendFailure(response, failure, headersOfFailure(answer));
      response.end(chunks.error(failure.body));
      return;
    }
    response.write(open(answer.result.lane).closing(answer.result.response));
    response.addTrailers({ [SluiceHeaders.CostUsd]: String(answer.result.cost.usd) });
    response.end();
  }

  @Post('embeddings')
  @HandlingDeadline('none')
  async embeddings(
    @Received() received: ReceivedBody,
    @Tenant() tenant: string,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    if (!received.ok) return sendFailure(response, openAIFailure(received.code, received.message, { status: received.status }));
    const parsed = embeddingsCallOf(received.json);
    if (!parsed.ok) return sendFailure(response, openAIFailure('INVALID_FIELD', parsed.message, { status: 400, field: parsed.param ?? undefined }));
    const answer = await this.calls.call(
      tenant,
      {
        provider: 'openai',
        operation: 'embedding',
        body: parsed.value.body,
        stream: false,
        deadlineHeader: request.headers[DEADLINE_HEADER],
        bytes: received.bytes,
        metadata: FACADE_METADATA,
      },
      traceOf(request),
      {},
      hangUpSignal(response),
    );
    if (answer.kind !== 'answered') return sendFailure(response, openAIFailureOf(answer), headersOfFailure(answer));
    const body = embeddingsResponseAs(answer.result.response ?? {}, parsed.value.format);
    return sendJson(response, 200, body, answerHeaders(answer.requestId, answer.result));
  }
}
