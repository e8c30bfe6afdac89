import { CorrelationHeaders } from '@sluice/contracts';
import type { IncomingMessage } from 'node:http';
import type { Trace } from '../../accept/accept.ports';

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** The correlation headers a facade call came with, carried into its request's messages. */
export function traceOf(request: IncomingMessage): Trace {
  return {
    correlationId: single(request.headers[CorrelationHeaders.CorrelationId]),
    traceparent: single(request.headers[CorrelationHeaders.TraceParent]),
  };
}

/** Fires when the caller hangs up: the facade stops waiting for it (the request itself goes on). */
export function hangUpSignal(response: NodeJS.EventEmitter): AbortSignal {
  const controller = new AbortController();
  response.once('close', () => controller.abort());
  return controller.signal;
}
