import { ErrorCode } from '@sluice/contracts';
import { type IncomingHttpHeaders, type IncomingMessage, type ServerResponse, request as httpRequest } from 'node:http';
import { apiErrorBody } from '../http/errors/api.error';

// Headers of one connection, not of the request: the upstream connection has its own.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'upgrade', 'te', 'trailer']);

function forwardedHeaders(headers: IncomingHttpHeaders, host: string): IncomingHttpHeaders {
  const kept: IncomingHttpHeaders = { host };
  for (const [name, value] of Object.entries(headers)) if (!HOP_BY_HOP.has(name) && name !== 'host') kept[name] = value;
  return kept;
}

/**
 * `POST /v1/jobs` served by another ingestion process, the bulk one (INGESTION_JOBS_UPSTREAM): this
 * process only streams the upload's bytes there and its answer back. Reading, validating, recording
 * and publishing a job's lines is bulk work; done here, in the process that takes urgent requests, it
 * would share that process's event loop and CPU priority with them. Everything else of the API
 * (a job's status and results included) is still answered here.
 */
export function forwardJobUploads(upstream: URL): (request: IncomingMessage & { originalUrl?: string }, response: ServerResponse, next: () => void) => void {
  return (request, response, next) => {
    // Mounted at /v1/jobs: the rest of the path is `/` for an upload, `/<id>…` for everything else.
    const rest = (request.url ?? '/').split('?')[0];
    if (request.method !== 'POST' || (rest !== '/' && rest !== '')) {
      next();
      return;
    }
    const outbound = httpRequest(
      {
        protocol: upstream.protocol,
        hostname: upstream.hostname,
        port: upstream.port,
        method: 'POST',
        path: request.originalUrl ?? request.url,
        headers: forwardedHeaders(request.headers, upstream.host),
      },
      (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(response);
      },
    );
    outbound.on('error', () => {
      request.unpipe(outbound);
      if (response.headersSent) {
        response.destroy();
        return;
      }
      // Nothing recorded twice when it is posted again under its id: the job handler is idempotent.
      const body = apiErrorBody(
        ErrorCode.INTERNAL,
        'the bulk intake did not answer; post the job again under its id (nothing already recorded is recorded twice)',
      );
      response.writeHead(503, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      response.end(JSON.stringify(body));
    });
    request.on('aborted', () => outbound.destroy());
    request.pipe(outbound);
  };
}
