/**
 * Headers carried from the first message of a request to every message it causes, so logs and
 * traces of all services join on them. `traceparent` is W3C Trace Context.
 */
export const CorrelationHeaders = {
  CorrelationId: 'x-correlation-id',
  RequestId: 'x-request-id',
  TraceParent: 'traceparent',
} as const;

export type CorrelationHeaderName = (typeof CorrelationHeaders)[keyof typeof CorrelationHeaders];

export const ALL_CORRELATION_HEADERS: readonly CorrelationHeaderName[] = Object.freeze(Object.values(CorrelationHeaders));
