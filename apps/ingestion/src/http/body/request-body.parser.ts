import { createParamDecorator, ExecutionContext, Provider } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { ExpressAdapter } from '@nestjs/platform-express';
import { ErrorCode } from '@sluice/contracts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { IngestionConfig } from '../../ingestion.config';

/** What the parser made of a request body: the JSON and its size, or why there is none. */
export type ReceivedBody =
  | { ok: true; json: unknown; bytes: number }
  | { ok: false; status: 400 | 413 | 415; code: ErrorCode; message: string };

interface ParsedRequest extends IncomingMessage {
  body?: unknown;
  rawBody?: Buffer;
}

interface ParserError {
  status?: number;
  type?: string;
  message?: string;
  limit?: number;
}

const problems = new WeakMap<IncomingMessage, Extract<ReceivedBody, { ok: false }>>();

function problemOf(error: ParserError): Extract<ReceivedBody, { ok: false }> {
  if (error.type === 'entity.too.large') {
    const message = error.limit === undefined ? 'the request body is too large' : `the request body is larger than ${error.limit} bytes`;
    return { ok: false, status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE, message };
  }
  // 415: a charset or content encoding the parser cannot read; anything else is a malformed body.
  const status = error.status === 415 ? 415 : 400;
  return { ok: false, status, code: ErrorCode.INVALID_JSON, message: `the request body is not valid JSON: ${error.message ?? 'unreadable'}` };
}

/**
 * Keeps a parser failure on the request instead of failing it here, so the request still reaches its
 * route, with request logging and metrics, and is refused there with Sluice's error body.
 */
function recordParserFailure(error: unknown, req: IncomingMessage, _res: ServerResponse, next: (error?: unknown) => void): void {
  if (typeof error !== 'object' || error === null || !('type' in error)) {
    next(error);
    return;
  }
  problems.set(req, problemOf(error as ParserError));
  next();
}

const REQUEST_BODY_PARSER = Symbol('ingestion.request-body-parser');

/**
 * Raises the JSON body limit to the bulk limit. bootstrapService owns NestFactory.create, so there is no
 * `app.useBodyParser` call to make; this does the same through the adapter while the module is being
 * built, before Nest registers its 100 kB default (which it skips once a JSON parser is in place).
 * The raw body is kept to measure the size of one-request bodies against their own, smaller limit.
 */
export const requestBodyParserProvider: Provider = {
  provide: REQUEST_BODY_PARSER,
  inject: [HttpAdapterHost, IngestionConfig],
  useFactory: (host: HttpAdapterHost, config: IngestionConfig): true => {
    const adapter = host.httpAdapter as ExpressAdapter | undefined;
    if (adapter === undefined) {
      // @nestjs/testing attaches the adapter only after building the module; NestFactory.create, as
      // bootstrapService and the integration specs use it, attaches it first.
      throw new Error('the ingestion module must be created with NestFactory.create: its HTTP adapter is needed while the module is built');
    }
    adapter.useBodyParser('json', true, { limit: config.INGESTION_BULK_BODY_LIMIT_BYTES });
    adapter.use(recordParserFailure);
    return true;
  },
};

/** The request's body as ReceivedBody: a controller parameter. */
export const Received = createParamDecorator((_data: unknown, context: ExecutionContext): ReceivedBody => {
  const req = context.switchToHttp().getRequest<ParsedRequest>();
  const problem = problems.get(req);
  if (problem) return problem;
  if (req.rawBody === undefined) {
    return { ok: false, status: 415, code: ErrorCode.INVALID_JSON, message: 'send the request body as JSON, with Content-Type: application/json' };
  }
  return { ok: true, json: req.body, bytes: req.rawBody.length };
});
