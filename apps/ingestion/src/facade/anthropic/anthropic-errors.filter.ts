import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import { newRequestId } from '../../accept/request-id.generator';
import type { ApiErrorBody } from '../../http/errors/api.error';
import { anthropicErrorBody, anthropicFailure, AnthropicFailure } from './anthropic.errors';

const log = new Logger('AnthropicFacade');

/** Sluice's refusals (a missing key, a rate limit) and any other error, in Anthropic's terms. */
export function anthropicFailureOfException(exception: unknown): AnthropicFailure {
  if (!(exception instanceof HttpException)) return anthropicFailure('INTERNAL', 'Internal server error', { status: 500 });
  const status = exception.getStatus();
  const body = exception.getResponse();
  const sluice = typeof body === 'object' && body !== null && 'error' in body ? (body as ApiErrorBody).error : undefined;
  if (sluice !== undefined && typeof sluice === 'object') return anthropicFailure(sluice.code, sluice.message, { status, field: sluice.field });
  return anthropicFailure('INTERNAL', exception.message, { status });
}

/** Answers errors in Anthropic's shape, with the `request-id` header its SDK reads (an id of its own: no request was made). */
@Catch()
export class AnthropicErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    if (!(exception instanceof HttpException)) log.error(exception instanceof Error ? exception.stack : String(exception));
    if (response.headersSent) {
      response.end();
      return;
    }
    const requestId = newRequestId(new Date());
    const failure = anthropicFailureOfException(exception);
    response.statusCode = failure.status;
    response.setHeader('Content-Type', 'application/json');
    response.setHeader('request-id', requestId);
    response.end(JSON.stringify(anthropicErrorBody(failure, requestId)));
  }
}
