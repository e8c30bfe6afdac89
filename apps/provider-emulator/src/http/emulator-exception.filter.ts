import { ArgumentsHost, Catch, ExceptionFilter, HttpException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { EmulatorError, ErrorSpec, protocolOf } from './emulator.error';
import { ids } from './request.ids';
import { errorJson, JSON_TYPE, requestIdHeader } from './reply.writer';

/**
 * Every failure leaves in the caller's protocol: OpenAI's or Anthropic's error body and request-id
 * header, even for unknown routes and unreadable bodies, which never reach a controller.
 */
@Catch()
export class EmulatorExceptionFilter implements ExceptionFilter {
  constructor(private readonly logger: Logger) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const reply = http.getResponse<FastifyReply>();
    const req = http.getRequest<FastifyRequest>();
    const protocol = protocolOf(req.url);
    const spec = this.toSpec(exception, protocol, req);
    if (reply.sent || reply.raw.headersSent) {
      // A stream already started: the only honest signal left is to cut the connection.
      this.logger.warn({ err: exception, url: req.url }, 'failure after the response started');
      reply.raw.destroy();
      return;
    }
    const header = requestIdHeader(protocol);
    const existing = reply.getHeader(header);
    const requestId = typeof existing === 'string' ? existing : ids.request();
    reply
      .code(spec.status)
      .headers({ ...spec.headers, [header]: requestId })
      .header('content-type', JSON_TYPE)
      .send(errorJson(protocol, spec, requestId));
  }

  private toSpec(exception: unknown, protocol: ReturnType<typeof protocolOf>, req: FastifyRequest): ErrorSpec {
    if (exception instanceof EmulatorError) return exception.spec;
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      if (status === 404) {
        return { status, message: protocol === 'anthropic' ? 'Not Found' : `Invalid URL (${req.method} ${req.url})` };
      }
      if (status === 400 && protocol === 'openai') {
        return {
          status,
          message: `We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not valid JSON.) ${exception.message}`,
        };
      }
      return { status, message: exception.message };
    }
    this.logger.error({ err: exception, url: req.url }, 'unexpected failure');
    return { status: 500, message: 'The server had an error while processing your request.', openaiType: 'server_error' };
  }
}
