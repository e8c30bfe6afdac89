import type { IncomingMessage, ServerResponse } from 'node:http';
import { JSONL_CONTENT_TYPES } from '../../jobs/job-options.parser';
import { apiErrorBody } from '../errors/api.error';

/** Whether a request carries a body, by its framing headers (a GET or an event stream has none). */
function hasBody(req: IncomingMessage): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

function isJobUpload(req: IncomingMessage): boolean {
  const type = (req.headers['content-type'] ?? '').split(';', 1)[0].trim().toLowerCase();
  return (JSONL_CONTENT_TYPES as readonly string[]).includes(type);
}

/**
 * Bounds how long a body other than a job upload may take to arrive once its headers have: answered 408
 * TIMEOUT and the connection closed after that. Node's own request timeout has to allow a bulk job's
 * upload (JSON Lines, read as it arrives, for minutes), so without this a JSON body trickled in a byte at
 * a time would hold a connection and its parser for as long.
 */
export function bodyReadDeadline(ms: number): (req: IncomingMessage, res: ServerResponse, next: () => void) => void {
  return (req, res, next) => {
    if (!hasBody(req) || isJobUpload(req)) {
      next();
      return;
    }
    const timer = setTimeout(() => {
      if (req.complete || res.headersSent) return;
      res.writeHead(408, { 'content-type': 'application/json; charset=utf-8', connection: 'close' });
      res.end(JSON.stringify(apiErrorBody('TIMEOUT', `the request body did not arrive within ${ms} ms`)), () => req.destroy());
    }, ms);
    const settled = (): void => clearTimeout(timer);
    req.once('end', settled);
    req.once('close', settled);
    res.once('finish', settled);
    next();
  };
}
