import { InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-node';
import { OtelRequestTracer } from './otel.request-tracer';
import { TRACING_OFF } from './request.tracer';
import { requestTracerFor } from './tracing.providers';

const TRACEPARENT = /^00-([0-9a-f]{32})-([0-9a-f]{16})-01$/;
const UPSTREAM = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';

function collecting(): { tracer: OtelRequestTracer; exporter: InMemorySpanExporter } {
  const exporter = new InMemorySpanExporter();
  return { tracer: new OtelRequestTracer('sluice-test', new SimpleSpanProcessor(exporter)), exporter };
}

function named(spans: ReadableSpan[], name: string): ReadableSpan[] {
  return spans.filter((span) => span.name === name);
}

describe('OtelRequestTracer', () => {
  it('makes each request span a child of the traceparent it came with, and hands on its own', () => {
    const { tracer, exporter } = collecting();
    const batch = tracer.batch(
      'router route',
      [{ traceparent: UPSTREAM, attributes: { 'sluice.request_id': 'r1', absent: undefined } }, { traceparent: undefined }],
      {
        'messaging.destination.name': 'sluice.accepted.v1',
      },
    );
    const [continued, started] = batch.requests;
    batch.endAll();

    const spans = exporter.getFinishedSpans();
    const [batchSpan] = named(spans, 'router route batch');
    const [first, second] = named(spans, 'router route');
    expect(batchSpan?.attributes).toEqual({ 'messaging.destination.name': 'sluice.accepted.v1', 'messaging.batch.message_count': 2 });
    expect(first?.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(first?.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(first?.attributes).toEqual({ 'sluice.request_id': 'r1' });
    expect(continued?.traceparent).toBe(`00-${first!.spanContext().traceId}-${first!.spanContext().spanId}-01`);
    // No traceparent: the request's trace starts here.
    expect(second?.parentSpanContext).toBeUndefined();
    expect(started?.traceparent).toMatch(TRACEPARENT);
    expect(second?.spanContext().traceId).not.toBe(first?.spanContext().traceId);
    for (const span of [first, second]) expect(span?.links.map((link) => link.context.spanId)).toEqual([batchSpan?.spanContext().spanId]);
  });

  it('continues a request across services: the next span is a child of the traceparent handed on', () => {
    const { tracer, exporter } = collecting();
    const accepted = tracer.span('ingestion accept', { traceparent: undefined });
    accepted.end();
    const call = tracer.span('provider call', { traceparent: accepted.traceparent, attributes: { 'gen_ai.request.model': 'gpt-4o-mini' } }, 'client');
    call.set({ 'gen_ai.usage.output_tokens': 12, 'sluice.cost_usd': 0.0001 });
    call.fail(new Error('provider said no'));
    call.end();
    call.end();

    const [root, child] = exporter.getFinishedSpans();
    expect(child?.spanContext().traceId).toBe(root?.spanContext().traceId);
    expect(child?.parentSpanContext?.spanId).toBe(root?.spanContext().spanId);
    expect(child?.attributes).toEqual({ 'gen_ai.request.model': 'gpt-4o-mini', 'gen_ai.usage.output_tokens': 12, 'sluice.cost_usd': 0.0001 });
    expect(child?.status).toEqual({ code: 2, message: 'provider said no' });
    expect(exporter.getFinishedSpans()).toHaveLength(2);
  });

  it('ends only the batch span with end(): a held request span goes on', () => {
    const { tracer, exporter } = collecting();
    const batch = tracer.batch('realtime-worker realtime', [{ traceparent: UPSTREAM }]);
    batch.end();
    expect(exporter.getFinishedSpans().map((span) => span.name)).toEqual(['realtime-worker realtime batch']);
    batch.requests[0]!.end();
    expect(exporter.getFinishedSpans()).toHaveLength(2);
  });
});

describe('tracing off', () => {
  it('is what a service gets without OTEL_EXPORTER_OTLP_ENDPOINT, and passes every traceparent on unchanged', async () => {
    await expect(requestTracerFor(undefined, 'router')).resolves.toBe(TRACING_OFF);
    const batch = TRACING_OFF.batch('router route', [{ traceparent: UPSTREAM }, { traceparent: undefined }]);
    expect(batch.requests.map((span) => span.traceparent)).toEqual([UPSTREAM, undefined]);
    expect(TRACING_OFF.span('provider call', { traceparent: UPSTREAM }).traceparent).toBe(UPSTREAM);
  });

  it('is on with an endpoint', async () => {
    const tracer = await requestTracerFor('http://127.0.0.1:4318/', 'router');
    expect(tracer.enabled).toBe(true);
    await tracer.shutdown();
  });
});
