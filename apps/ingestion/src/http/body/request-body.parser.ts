import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { ErrorCode } from '@sluice/contracts';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bodyReadDeadline } from '../deadlines/body-read.deadline';

/** What the parser made of a request body: the JSON and its size, or why there is none. */
export type ReceivedBody = { ok: true; json: unknown; bytes: number } | { ok: false; status: 400 | 413 | 415; code: ErrorCode; message: string };

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
function recordParserFailure(error: unknown, req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void): void {
  // Already answered (its body took too long, bodyReadDeadline): the parser only saw the connection close.
  if (res.headersSent) return;
  if (typeof error !== 'object' || error === null || !('type' in error)) {
    next(error);
    return;
  }
  problems.set(req, problemOf(error as ParserError));
  next();
}

/**
 * The only body parser of the application, which is created without Nest's defaults (`bodyParser:
 * false`): JSON up to the bulk limit, arriving within its deadline (bodyReadDeadline), a failure kept for
 * the route to answer. The application keeps raw
 * bodies (`rawBody: true`): their size is checked against the smaller one-request limit, and a body
 * without one was not JSON (415).
 */
export function useRequestBodyParser(app: NestExpressApplication, limitBytes: number, bodyTimeoutMs: number): void {
  app.use(bodyReadDeadline(bodyTimeoutMs));
  app.useBodyParser('json', { limit: limitBytes });
  app.use(recordParserFailure);
}

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
