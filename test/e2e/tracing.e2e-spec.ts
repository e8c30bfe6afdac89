import { Topics } from '@sluice/contracts';
import { randomBytes } from 'node:crypto';
import { randomTenant } from '@sluice/testing';
import { CHAT_MODEL, OtlpReceiver, SluiceHarness, chatRequest, writeEmulatorBatchPolicy, type ReceivedSpan } from './support';

/** The request's spans, service by service, in the order the request passes them. */
const PATH = [
  { service: 'sluice-ingestion', name: 'ingestion accept' },
  { service: 'sluice-router', name: 'router route' },
  { service: 'sluice-realtime-worker', name: 'realtime-worker realtime' },
  { service: 'sluice-realtime-worker', name: 'provider call' },
  { service: 'sluice-result-notifier', name: 'result-notifier deliver' },
] as const;

function only(spans: readonly ReceivedSpan[], name: string): ReceivedSpan {
  const found = spans.filter((span) => span.name === name);
  if (found.length !== 1) throw new Error(`expected one span "${name}", found ${found.length}: ${JSON.stringify(spans.map((span) => span.name))}`);
  return found[0]!;
}

/**
 * Traces over OTLP, across all five services and the provider emulator: with OTEL_EXPORTER_OTLP_ENDPOINT
 * pointing at a receiver in this process, one request produced to sluice.requests.v1 comes out as one
 * trace whose spans are connected parent to child from ingestion to the result notifier.
 */
describe('tracing (OTLP/HTTP export)', () => {
  let h: SluiceHarness;
  let otlp: OtlpReceiver;

  beforeAll(async () => {
    otlp = await OtlpReceiver.start();
    // Spans leave each service within 100 ms of ending rather than the SDK's default 5 s.
    const tracing = { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_BSP_SCHEDULE_DELAY: '100' };
    h = await SluiceHarness.start({
      name: 'tracing',
      env: {
        ingestion: tracing,
        router: tracing,
        'realtime-worker': tracing,
        // Windows planned with the emulator's batch turnaround (seconds), so a batch-lane request is answered within the test.
        'batch-aggregator': {
          ...tracing,
          ROUTING_POLICY_FILE: writeEmulatorBatchPolicy(8_000),
          BATCH_WINDOW_MAX_AGE_MS: '2000',
          BATCH_POLL_MIN_MS: '200',
          BATCH_POLL_MAX_MS: '1000',
        },
        'result-notifier': tracing,
      },
    });
  }, 20 * 60_000);

  afterAll(async () => {
    await h?.stop();
    await otlp?.stop();
  }, 60_000);

  /** The spans recording the request, once every service's has come in. */
  function spansOf(requestId: string, path: ReadonlyArray<{ name: string }> = PATH): Promise<ReceivedSpan[]> {
    const mine = (): ReceivedSpan[] => otlp.spans.filter((span) => span.attributes['sluice.request_id'] === requestId);
    return h.waitFor(() => (path.every(({ name }) => mine().some((span) => span.name === name)) ? mine() : undefined), {
      timeoutMs: 30_000,
      description: () =>
        `every span of ${requestId} (${path.map(({ name }) => name).join(', ')}); received: ${JSON.stringify(mine().map((span) => span.name))}`,
    });
  }

  it('exports one connected trace for one request: ingestion, router, realtime lane, provider call (model, lane, tokens, cost), notifier', async () => {
    const tenant = randomTenant('trace');
    const request = chatRequest(tenant, { outputTokens: 9, extra: { mode: 'realtime', maxLatencyMs: 30_000 } });

    await h.produce([request]);
    const result = await h.awaitResult(tenant, request.id);
    await h.awaitEvent(tenant, request.id, 'completed');
    const spans = await spansOf(request.id);

    expect(otlp.refused).toEqual([]);
    // One trace for the request, and every span of that trace hangs off the one root: ingestion's.
    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
    const trace = otlp.trace(spans[0]!.traceId);
    const roots = trace.filter((span) => span.parentSpanId === '');
    expect(roots.map((span) => [span.service, span.name])).toEqual([['sluice-ingestion', 'ingestion accept']]);
    const ids = new Set(trace.map((span) => span.spanId));
    for (const span of trace)
      if (span.parentSpanId !== '') expect({ span: span.name, parentInTrace: ids.has(span.parentSpanId) }).toEqual({ span: span.name, parentInTrace: true });

    const [accept, route, lane, call, deliver] = PATH.map(({ service, name }) => {
      const span = only(trace, name);
      expect(span.service).toBe(service);
      return span;
    });
    expect(route!.parentSpanId).toBe(accept!.spanId);
    expect(lane!.parentSpanId).toBe(route!.spanId);
    expect(call!.parentSpanId).toBe(lane!.spanId);
    expect(deliver!.parentSpanId).toBe(lane!.spanId);

    expect(route!.attributes).toMatchObject({ 'sluice.routing.outcome': 'routed', 'sluice.lane': 'realtime', 'sluice.tenant': tenant });
    expect(call!.attributes).toMatchObject({
      'sluice.lane': 'realtime',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': CHAT_MODEL,
      'gen_ai.usage.input_tokens': (result.usage as { inputTokens: number }).inputTokens,
      'gen_ai.usage.output_tokens': 9,
      'sluice.cost_usd': (result.cost as { usd: number }).usd,
      'sluice.status': 'succeeded',
    });
    expect((result.cost as { usd: number }).usd).toBeGreaterThan(0);
    expect(deliver!.attributes).toMatchObject({ 'sluice.booking': 'booked', 'sluice.result_id': result.resultId });

    // Work done a fetched batch at a time has a span of its own, in its own trace, that the request's span links to.
    for (const span of [route!, lane!, deliver!]) {
      expect(span.links).toHaveLength(1);
      const batch = await h.waitFor(() => otlp.spans.find((candidate) => candidate.spanId === span.links[0]!.spanId), {
        timeoutMs: 10_000,
        description: `the batch span ${span.name} links to`,
      });
      expect(batch.name).toBe(`${span.name} batch`);
      expect(batch.service).toBe(span.service);
    }

    // What the notifier published about the request carries its span as the traceparent.
    const completed = h.tap.forRequest(tenant, request.id, Topics.Events).find((event) => (event.value as { type: string }).type === 'completed');
    expect(completed?.headers.traceparent).toBe(`00-${deliver!.traceId}-${deliver!.spanId}-01`);
  });

  it("continues the trace of a producer that sent a traceparent in the request's headers", async () => {
    const tenant = randomTenant('trace');
    const request = chatRequest(tenant, { outputTokens: 5, extra: { mode: 'realtime', maxLatencyMs: 30_000 } });
    const upstream = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };

    await h.produceRaw([{ key: request.id, value: JSON.stringify(request), headers: { traceparent: `00-${upstream.traceId}-${upstream.spanId}-01` } }]);
    await h.awaitEvent(tenant, request.id, 'completed');
    const spans = await spansOf(request.id);

    expect(new Set(spans.map((span) => span.traceId))).toEqual(new Set([upstream.traceId]));
    expect(only(spans, 'ingestion accept').parentSpanId).toBe(upstream.spanId);
  });

  it('follows a batch-lane request through its provider batch: the answer is a span under the routing span, the delivery under it', async () => {
    const tenant = randomTenant('trace');
    const request = {
      ...chatRequest(tenant, { outputTokens: 4 }),
      mode: 'batch',
      deadline: new Date(Date.now() + 60 * 60_000).toISOString(),
    };

    await h.produce([request]);
    const result = await h.awaitResult(tenant, request.id, 3 * 60_000);
    expect(result.lane).toBe('batch');
    await h.awaitEvent(tenant, request.id, 'completed');
    const path = [{ name: 'ingestion accept' }, { name: 'router route' }, { name: 'batch-aggregator result' }, { name: 'result-notifier deliver' }];
    const spans = await spansOf(request.id, path);

    expect(new Set(spans.map((span) => span.traceId)).size).toBe(1);
    const [accept, route, answer, deliver] = path.map(({ name }) => only(spans, name));
    expect(route!.parentSpanId).toBe(accept!.spanId);
    expect(answer!.parentSpanId).toBe(route!.spanId);
    expect(deliver!.parentSpanId).toBe(answer!.spanId);
    expect(answer!.service).toBe('sluice-batch-aggregator');
    expect(answer!.attributes).toMatchObject({
      'sluice.lane': 'batch',
      'gen_ai.provider.name': 'openai',
      'gen_ai.usage.output_tokens': 4,
      'sluice.cost_usd': (result.cost as { usd: number }).usd,
      'sluice.status': 'succeeded',
    });
  });
});
