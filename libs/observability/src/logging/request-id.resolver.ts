import { randomUUID } from 'node:crypto';
import { IncomingHttpHeaders } from 'node:http';

// A caller's id goes into every log line of its request: accept only what cannot forge or break a line.
const ACCEPTABLE_ID = /^[\x21-\x7e]{1,128}$/;

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The request's id: the caller's `x-request-id`, else its `x-correlation-id`, else a new UUID. */
export function resolveRequestId(headers: IncomingHttpHeaders): string {
  for (const name of ['x-request-id', 'x-correlation-id']) {
    const candidate = first(headers[name]);
    if (candidate !== undefined && ACCEPTABLE_ID.test(candidate)) return candidate;
  }
  return randomUUID();
}
