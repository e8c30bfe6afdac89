import type { Provider } from '@nestjs/common';
import { SluiceConfig } from '@sluice/config';
import { SERVICE_NAME } from '../bootstrap/service-name.token';
import { TRACING_OFF, type RequestTracer } from './request.tracer';

export const REQUEST_TRACER = Symbol('REQUEST_TRACER');

/**
 * The service's tracer: OpenTelemetry exporting to OTEL_EXPORTER_OTLP_ENDPOINT when it is set; else
 * TRACING_OFF, and the SDK is never even loaded.
 */
export async function requestTracerFor(endpoint: string | undefined, service: string): Promise<RequestTracer> {
  if (endpoint === undefined) return TRACING_OFF;
  const { OtelRequestTracer } = await import('./otel.request-tracer');
  return OtelRequestTracer.exportingTo(endpoint, service);
}

export const REQUEST_TRACER_PROVIDER: Provider = {
  provide: REQUEST_TRACER,
  inject: [SluiceConfig, SERVICE_NAME],
  useFactory: (config: SluiceConfig, service: string) => requestTracerFor(config.OTEL_EXPORTER_OTLP_ENDPOINT, service),
};
