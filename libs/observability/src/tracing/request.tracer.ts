/** Span attribute values, as OpenTelemetry takes them; undefined ones are left out. */
export type SpanAttributes = Record<string, string | number | boolean | undefined>;

/** One span about one request. */
export interface RequestSpan {
  /** The traceparent to send downstream: this span's when tracing is on, else the one the request came with. */
  readonly traceparent: string | undefined;
  set(attributes: SpanAttributes): void;
  fail(error: unknown): void;
  end(): void;
}

/** A request as a span sees it: the traceparent it came with (none: the span starts its trace) and what to record. */
export interface TracedRequest {
  traceparent: string | undefined;
  attributes?: SpanAttributes;
}

/** The span of a fetched batch and one span per request in it. */
export interface BatchSpans {
  readonly requests: readonly RequestSpan[];
  /** Ends the batch's own span; each request span ends on its own (a held call outlives its batch). */
  end(): void;
  /** Ends the batch span and every request span. */
  endAll(): void;
}

/**
 * Spans of requests on their way through Sluice. One trace per request: each service's span of a
 * request is a child of the traceparent the request's message came with, and what the service sends
 * on carries that span as its traceparent. Work done a fetched batch at a time gets one span for the
 * batch, which every request span of it links to.
 */
export interface RequestTracer {
  readonly enabled: boolean;
  batch(name: string, requests: readonly TracedRequest[], attributes?: SpanAttributes): BatchSpans;
  span(name: string, request: TracedRequest, kind?: 'internal' | 'client'): RequestSpan;
  /** Exports what is still buffered. */
  shutdown(): Promise<void>;
}

class PassThroughSpan implements RequestSpan {
  constructor(readonly traceparent: string | undefined) {}
  set(): void {}
  fail(): void {}
  end(): void {}
}

const NOTHING = (): void => {};

/** Tracing off: nothing is recorded, and every message goes on with the traceparent it came with. */
export const TRACING_OFF: RequestTracer = {
  enabled: false,
  batch: (_name, requests) => ({ requests: requests.map(({ traceparent }) => new PassThroughSpan(traceparent)), end: NOTHING, endAll: NOTHING }),
  span: (_name, { traceparent }) => new PassThroughSpan(traceparent),
  shutdown: () => Promise.resolve(),
};
