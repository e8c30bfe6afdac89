import { Controller, Post, Req, Res, UseFilters, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Lane } from '@sluice/contracts';
import type { IncomingMessage, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { newRequestId } from '../../accept/request-id.generator';
import { Tenant } from '../../http/auth/api-key.guard';
import { Received, type ReceivedBody } from '../../http/body/request-body.parser';
import { HandlingDeadline, HandlingDeadlineInterceptor } from '../../http/deadlines/handling-deadline.interceptor';
import { KeyRateGuard } from '../../http/limits/key-rate.guard';
import { DEADLINE_HEADER } from '../calls/call.deadline';
import { hangUpSignal, traceOf } from '../calls/call.trace';
import { CallAnswer, FacadeCalls } from '../calls/facade-calls.handler';
import { answerHeaders, failureHeaders, SluiceHeaders, streamHeaders } from '../calls/sluice.headers';
import { AnthropicKeyGuard } from './anthropic-key.guard';
import { AnthropicErrorsFilter } from './anthropic-errors.filter';
import { MessageEventStream, messagesCallOf } from './anthropic-messages.mapping';
import { anthropicErrorBody, anthropicFailure, AnthropicFailure, anthropicFailureOf } from './anthropic.errors';
import { SSE_RESPONSE_HEADERS } from '../../events/sse.frames';

const FACADE_METADATA = { 'sluice.facade': 'anthropic' };

function sendJson(response: ServerResponse, status: number, body: unknown, headers: OutgoingHttpHeaders): void {
  response.writeHead(status, { ...headers, 'Content-Type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** An error answer; `request-id` is the Sluice request's when there is one, which is what the SDK reports. */
function sendFailure(response: ServerResponse, failure: AnthropicFailure, requestId: string | undefined, headers: OutgoingHttpHeaders = {}): void {
  const id = requestId ?? newRequestId(new Date());
  sendJson(response, failure.status, anthropicErrorBody(failure, id), { ...headers, 'request-id': id });
}

function requestIdOf(answer: Exclude<CallAnswer, { kind: 'answered' }>): string | undefined {
  return answer.kind === 'refused' ? undefined : answer.requestId;
}

function headersOfFailure(answer: Exclude<CallAnswer, { kind: 'answered' }>): OutgoingHttpHeaders {
  if (answer.kind === 'refused') return {};
  return answer.kind === 'failed' ? failureHeaders(answer.requestId, answer.lane, answer.costUsd) : failureHeaders(answer.requestId);
}

/**
 * Anthropic's Messages API at /anthropic (the SDK's base URL; its paths start with /v1), for the
 * official SDKs: each call is an ordinary Sluice request for the API key's tenant, answered in
 * Anthropic's shapes with the X-Sluice-* headers saying how.
 */
@ApiExcludeController()
@Controller('anthropic')
@UseFilters(AnthropicErrorsFilter)
@UseGuards(AnthropicKeyGuard, KeyRateGuard)
@UseInterceptors(HandlingDeadlineInterceptor)
export class AnthropicController {
  constructor(private readonly calls: FacadeCalls) {}

  @Post('v1/messages')
  // Bounded by the call's own deadline (X-Sluice-Deadline or the policy's default).
  @HandlingDeadline('none')
  async messages(
    @Received() received: ReceivedBody,
    @Tenant() tenant: string,
    @Req() request: IncomingMessage,
    @Res() response: ServerResponse,
  ): Promise<void> {
    if (!received.ok) return sendFailure(response, anthropicFailure(received.code, received.message, { status: received.status }), undefined);
    const parsed = messagesCallOf(received.json);
    if (!parsed.ok) return sendFailure(response, anthropicFailure('INVALID_FIELD', parsed.message, { status: 400 }), undefined);
    const call = parsed.value;
    const facadeRequest = {
      provider: 'anthropic' as const,
      operation: 'chat' as const,
      body: call.body,
      stream: call.stream,
      deadlineHeader: request.headers[DEADLINE_HEADER],
      bytes: received.bytes,
      metadata: FACADE_METADATA,
    };
    if (!call.stream) {
      const answer = await this.calls.call(tenant, facadeRequest, traceOf(request), {}, hangUpSignal(response));
      if (answer.kind !== 'answered') return sendFailure(response, anthropicFailureOf(answer), requestIdOf(answer), headersOfFailure(answer));
      return sendJson(response, 200, answer.result.response, { ...answerHeaders(answer.requestId, answer.result), 'request-id': answer.requestId });
    }

    let requestId = '';
    let events: MessageEventStream | undefined;
    const open = (lane: Lane): MessageEventStream => {
      if (events !== undefined) return events;
      events = new MessageEventStream(`msg_${requestId}`, call.body.model);
      response.writeHead(200, {
        ...streamHeaders(requestId, lane),
        'request-id': requestId,
        ...SSE_RESPONSE_HEADERS,
      });
      response.write(events.opening());
      return events;
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
      const failure = anthropicFailureOf(answer);
      if (events === undefined) return sendFailure(response, failure, requestIdOf(answer), headersOfFailure(answer));
      response.end(events.error(failure.type, failure.message));
      return;
    }
    response.write(open(answer.result.lane).closing(answer.result.response));
    response.addTrailers({ [SluiceHeaders.CostUsd]: String(answer.result.cost.usd) });
    response.end();
  }
}
