import {
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';
import type { BatchSpans, RequestSpan, RequestTracer, SpanAttributes, TracedRequest } from './request.tracer';

const propagator = new W3CTraceContextPropagator();

function attributesOf(attributes: SpanAttributes | undefined): Attributes {
  const defined: Attributes = {};
  for (const [key, value] of Object.entries(attributes ?? {})) if (value !== undefined) defined[key] = value;
  return defined;
}

function traceparentOf(span: Span): string | undefined {
  const carrier: Record<string, string> = {};
  propagator.inject(trace.setSpan(ROOT_CONTEXT, span), carrier, defaultTextMapSetter);
  return carrier.traceparent;
}

class OtelRequestSpan implements RequestSpan {
  readonly traceparent: string | undefined;
  private ended = false;

  constructor(private readonly span: Span) {
    this.traceparent = traceparentOf(span);
  }

  set(attributes: SpanAttributes): void {
    this.span.setAttributes(attributesOf(attributes));
  }

  fail(error: unknown): void {
    this.span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
  }

  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.span.end();
  }
}

/** The OpenTelemetry SDK behind RequestTracer: spans batched to an OTLP/HTTP collector (or the processor given). */
export class OtelRequestTracer implements RequestTracer {
  readonly enabled = true;
  private readonly provider: NodeTracerProvider;
  private readonly tracer: Tracer;

  constructor(serviceName: string, processor: SpanProcessor) {
    this.provider = new NodeTracerProvider({ resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: serviceName }), spanProcessors: [processor] });
    this.tracer = this.provider.getTracer('sluice');
  }

  /** Spans of `sluice-<service>` to `<endpoint>/v1/traces`, in batches (OTEL_BSP_* tune them). */
  static exportingTo(endpoint: string, service: string): OtelRequestTracer {
    const exporter = new OTLPTraceExporter({ url: `${endpoint.replace(/\/+$/, '')}/v1/traces` });
    return new OtelRequestTracer(`sluice-${service}`, new BatchSpanProcessor(exporter));
  }

  batch(name: string, requests: readonly TracedRequest[], attributes?: SpanAttributes): BatchSpans {
    const batch = this.tracer.startSpan(
      `${name} batch`,
      { kind: SpanKind.CONSUMER, attributes: { ...attributesOf(attributes), 'messaging.batch.message_count': requests.length } },
      ROOT_CONTEXT,
    );
    const links = [{ context: batch.spanContext() }];
    const spans = requests.map((request) => new OtelRequestSpan(this.start(name, request, SpanKind.CONSUMER, links)));
    return {
      requests: spans,
      end: () => batch.end(),
      endAll: () => {
        for (const span of spans) span.end();
        batch.end();
      },
    };
  }

  span(name: string, request: TracedRequest, kind: 'internal' | 'client' = 'internal'): RequestSpan {
    return new OtelRequestSpan(this.start(name, request, kind === 'client' ? SpanKind.CLIENT : SpanKind.INTERNAL));
  }

  async shutdown(): Promise<void> {
    await this.provider.shutdown();
  }

  /** Nest calls this at shutdown: what is still buffered goes out before the process ends. */
  async onApplicationShutdown(): Promise<void> {
    await this.shutdown();
  }

  private start(name: string, { traceparent, attributes }: TracedRequest, kind: SpanKind, links?: Array<{ context: ReturnType<Span['spanContext']> }>): Span {
    const parent = traceparent === undefined ? ROOT_CONTEXT : propagator.extract(ROOT_CONTEXT, { traceparent }, defaultTextMapGetter);
    return this.tracer.startSpan(name, { kind, attributes: attributesOf(attributes), ...(links === undefined ? {} : { links }) }, parent);
  }
}
