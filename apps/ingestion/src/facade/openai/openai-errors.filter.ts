import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { ServerResponse } from 'node:http';
import type { ApiErrorBody } from '../../http/errors/api.error';
import { openAIFailure, OpenAIFailure } from './openai.errors';

const log = new Logger('OpenAIFacade');

/** Sluice's refusals (a missing key, a rate limit) and any other error, in OpenAI's error shape. */
export function openAIFailureOfException(exception: unknown): OpenAIFailure {
  if (!(exception instanceof HttpException)) return openAIFailure('INTERNAL', 'The server had an error while processing your request.', { status: 500 });
  const status = exception.getStatus();
  const body = exception.getResponse();
  const sluice = typeof body === 'object' && body !== null && 'error' in body ? (body as ApiErrorBody).error : undefined;
  if (sluice !== undefined && typeof sluice === 'object') return openAIFailure(sluice.code, sluice.message, { status, field: sluice.field });
  return openAIFailure(status === 404 ? 'NOT_FOUND' : 'INTERNAL', exception.message, { status });
}

@Catch()
export class OpenAIErrorsFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<ServerResponse>();
    if (!(exception instanceof HttpException)) log.error(exception instanceof Error ? exception.stack : String(exception));
    if (response.headersSent) {
      response.end();
      return;
    }
    const { status, body } = openAIFailureOfException(exception);
    response.statusCode = status;
    response.setHeader('Content-Type', 'application/json');
    response.end(JSON.stringify(body));
  }
}
