import { ErrorCode, InferenceResultV1, LaneRequestV1, StreamChunkV1, validateMessage } from '@sluice/contracts';
import { sampleLaneRequest } from '@sluice/contracts/testing/message.samples';
import { MetricsRegistry } from '@sluice/observability';
import {
  CompleteRequest,
  CompleteResult,
  EmbedRequest,
  EmbedResult,
  ProviderError,
  ProviderErrorKind,
  ProviderName,
  RealtimeAdapter,
  StreamChunk,
} from '@sluice/providers';
import pino from 'pino';
import { ProviderCaller, ShutdownAbortError } from '../calls/provider.caller';
import { ConcurrencyLimiter, WorkerLane } from '../limiter/concurrency.limiter';
import { WorkerMetrics } from '../metrics/worker.metrics';
import { DEFAULT_PROVIDER_RETRY_POLICY } from '../retry/retry.planner';
import type { FallbackMap } from '../targets/target.maps';
import { Correlation, LaneOutput, LaneRequestHandler } from './lane-request.handler';

const START = Date.parse('2030-01-01T11:59:00.000Z');
const DEADLINE = '2030-01-01T12:00:00.000Z';
const USAGE = { inputTokens: 12, outputTokens: 4, cachedInputTokens: 0 };

type Step =
  | { answer: string; then?: () => void }
  | { fail: ProviderErrorKind; retryAfterMs?: number; code?: string }
  | { deltas: string[]; thenFail?: ProviderErrorKind };

interface Call {
  kind: 'complete' | 'stream' | 'embed';
  body: Record<string, unknown>;
  tier?: string;
  timeoutMs?: number;
}

/** A provider that answers from a script and records every call; time only moves when the worker sleeps. */
class ScriptedAdapter implements RealtimeAdapter {
  readonly calls: Call[] = [];

  constructor(
    readonly provider: ProviderName,
    private readonly steps: Step[],
  ) {}

  async complete(request: CompleteRequest): Promise<CompleteResult> {
    this.calls.push({ kind: 'complete', body: request.body, tier: request.tier, timeoutMs: request.timeoutMs });
    const step = this.next();
    if ('fail' in step) throw this.error(step.fail, step.retryAfterMs, step.code);
    if ('then' in step) step.then?.();
    return this.answer('answer' in step ? step.answer : '', request.body);
  }

  async *stream(request: CompleteRequest): AsyncGenerator<StreamChunk> {
    this.calls.push({ kind: 'stream', body: request.body, tier: request.tier, timeoutMs: request.timeoutMs });
    const step = this.next();
    if ('fail' in step) throw this.error(step.fail, step.retryAfterMs, step.code);
    const deltas = 'deltas' in step ? step.deltas : [step.answer];
    for (const text of deltas) yield { type: 'delta', text };
    if ('thenFail' in step && step.thenFail) throw this.error(step.thenFail);
    yield { type: 'final', ...this.answer(deltas.join(''), request.body) };
  }

  async embed(request: EmbedRequest): Promise<EmbedResult> {
    this.calls.push({ kind: 'embed', body: request.body });
    return {
      response: {
        object: 'list',
        data: (Array.isArray(request.body.input) ? request.body.input : [request.body.input]).map((_input: unknown, index) => ({
          index,
          embedding: Array.from({ length: 16 }, (_n, i) => 0.1 + i / 100),
        })),
      },
      usage: { inputTokens: 3, outputTokens: 0, cachedInputTokens: 0 },
      model: String(request.body.model),
      providerRequestId: 'req_e',
    };
  }

  private next(): Step {
    const step = this.steps.shift();
    if (!step) throw new Error('the script ran out of steps');
    return step;
  }

  private answer(text: string, body: Record<string, unknown>): CompleteResult {
    const response = {
      id: 'chatcmpl-1',
      object: 'chat.completion',
      model: `${String(body.model)}-2024-07-18`,
      choices: [{ index: 0, message: { role: 'assistant', content: text }, finish_reason: 'stop' }],
    };
    return { response, usage: USAGE, model: response.model, providerRequestId: 'req_ok' };
  }

  private error(kind: ProviderErrorKind, retryAfterMs?: number, code = `${kind}_code`): ProviderError {
    return new ProviderError({
      kind,
      provider: this.provider,
      message: `${kind} failure`,
      code,
      providerRequestId: `req_${kind}`,
      retryAfterMs,
    });
  }
}

class RecordingOutput implements LaneOutput {
  readonly results: InferenceResultV1[] = [];
  readonly chunks: StreamChunkV1[] = [];
  readonly correlations: Correlation[] = [];

  async publishResult(result: InferenceResultV1, correlation: Correlation): Promise<void> {
    this.results.push(result);
    this.correlations.push(correlation);
  }

  async publishResults(results: ReadonlyArray<{ result: InferenceResultV1; correlation: Correlation }>): Promise<void> {
    for (const { result, correlation } of results) await this.publishResult(result, correlation);
  }

  async publishChunks(chunks: readonly StreamChunkV1[]): Promise<void> {
    this.chunks.push(...chunks);
  }
}

interface Harness {
  handler: LaneRequestHandler;
  limiter: ConcurrencyLimiter;
  adapter: ScriptedAdapter;
  output: RecordingOutput;
  sleeps: number[];
  metrics: MetricsRegistry;
  shutdown: AbortController;
  handle(request: LaneRequestV1, lane?: WorkerLane): Promise<InferenceResultV1>;
}

function harness(
  steps: Step[],
  options: { fallbacks?: FallbackMap; provider?: ProviderName; onSleep?: () => void; capacity?: number; maxResultBytes?: number } = {},
): Harness {
  let now = START;
  const sleeps: number[] = [];
  const adapter = new ScriptedAdapter(options.provider ?? 'openai', steps);
  const output = new RecordingOutput();
  const metrics = new MetricsRegistry('realtime-worker');
  const workerMetrics = new WorkerMetrics(metrics);
  const limiter = new ConcurrencyLimiter({ capacity: () => options.capacity ?? 4, reservedRealtimeShare: 0.25 });
  const caller = new ProviderCaller({
    adapters: { realtime: () => adapter },
    limiter,
    policy: { ...DEFAULT_PROVIDER_RETRY_POLICY, maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1_000 },
    observer: workerMetrics,
    sleep: async (ms, signal) => {
      options.onSleep?.();
      if (signal.aborted) return false;
      sleeps.push(ms);
      now += ms;
      return true;
    },
    clock: () => now,
    random: () => 0.5,
  });
  const handler = new LaneRequestHandler({
    caller,
    output,
    fallbacks: options.fallbacks ?? new Map(),
    observer: workerMetrics,
    maxResultBytes: options.maxResultBytes ?? 1_000_000,
    clock: () => new Date(now),
  });
  const shutdown = new AbortController();
  return {
    handler,
    limiter,
    adapter,
    output,
    sleeps,
    metrics,
    shutdown,
    handle: (request, lane = 'realtime') =>
      handler.handle(request, lane, {
        signal: shutdown.signal,
        correlation: { requestId: request.request.id, correlationId: 'corr-1' },
        log: pino({ level: 'silent' }),
        callId: CALL_ID,
      }),
  };
}

function laneRequest(request: Record<string, unknown> = {}, routing: Record<string, unknown> = {}): LaneRequestV1 {
  const plain = sampleLaneRequest();
  const outcome = validateMessage(LaneRequestV1, {
    ...plain,
    request: { ...(plain.request as object), replyTo: undefined, deadline: DEADLINE, notBefore: undefined, ...request },
    deadline: DEADLINE,
    routing: { ...(plain.routing as object), lane: 'realtime', deadline: DEADLINE, ...routing },
  });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

// The id the ledger wrote the message's call ahead under: every result of the message names it.
const CALL_ID = '5f0c6a52-9a0e-4d8e-8d9f-3b1f1c2a7e10';

const chatBody = (model = 'gpt-4o-mini'): Record<string, unknown> => ({ model, messages: [{ role: 'user', content: 'Hello' }] });

describe('LaneRequestHandler', () => {
  it('publishes one succeeded result with the response, usage and realtime cost', async () => {
    const h = harness([{ answer: 'Hi there' }]);
    const result = await h.handle(laneRequest());
    expect(h.output.results).toEqual([result]);
    expect(result).toMatchObject({
      resultId: 'acme.req-1.realtime.1',
      callId: CALL_ID,
      status: 'succeeded',
      lane: 'realtime',
      provider: 'openai',
      model: 'gpt-4o-mini',
      usage: USAGE,
      deadline: DEADLINE,
      deadlineMet: true,
    });
    expect(result.cost.usd).toBeGreaterThan(0);
    expect(result.cost.savedUsd).toBe(0);
    expect(h.adapter.calls).toEqual([expect.objectContaining({ kind: 'complete', tier: 'standard', timeoutMs: 60_000 })]);
    expect(h.output.correlations).toEqual([{ requestId: 'req-1', correlationId: 'corr-1' }]);
  });

  it('waits out a rate limit for as long as the provider asked, then succeeds', async () => {
    const h = harness([{ fail: 'rate_limited', retryAfterMs: 2_000 }, { fail: 'rate_limited', retryAfterMs: 3_000 }, { answer: 'ok' }]);
    const result = await h.handle(laneRequest());
    expect(result.status).toBe('succeeded');
    expect(h.adapter.calls).toHaveLength(3);
    expect(h.sleeps[0]).toBeGreaterThanOrEqual(2_000);
    expect(h.sleeps[1]).toBeGreaterThanOrEqual(3_000);
    expect(await h.metrics.metrics()).toMatch(
      /sluice_provider_retries_total\{provider="openai",model="gpt-4o-mini",lane="realtime",kind="rate_limited",service="realtime-worker"\} 2/,
    );
  });

  it('gives the later calls only what is left of the deadline', async () => {
    const h = harness([{ fail: 'retryable' }, { answer: 'ok' }]);
    await h.handle(laneRequest());
    expect(h.adapter.calls.map((call) => call.timeoutMs)).toEqual([60_000, 60_000 - h.sleeps[0]!]);
  });

  it('leaves the call written ahead open when the client gave up on the last attempt: the provider still runs and bills it', async () => {
    const h = harness([...Array.from({ length: 4 }, () => ({ fail: 'retryable' as const })), { fail: 'retryable', code: 'timeout' }]);
    const result = await h.handle(laneRequest(), 'realtime');
    expect(h.adapter.calls).toHaveLength(5);
    expect(result).toMatchObject({ status: 'failed', error: { providerCode: 'timeout' } });
    expect(result.callId).toBeUndefined();
  });

  it('backs off exponentially on transient failures and reports the last error once the attempts are spent', async () => {
    const h = harness(Array.from({ length: 5 }, () => ({ fail: 'retryable' as const })));
    const result = await h.handle(laneRequest());
    expect(h.adapter.calls).toHaveLength(5);
    expect(h.sleeps).toEqual([100, 200, 400, 800]);
    expect(result).toMatchObject({
      status: 'failed',
      error: {
        code: ErrorCode.PROVIDER_ERROR,
        retryable: true,
        providerCode: 'retryable_code',
        providerRequestId: 'req_retryable',
        message: 'openai failed 5 attempt(s); last error: retryable failure',
      },
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    });
  });

  it('fails with DEADLINE_EXCEEDED when the retry-after would outlast the deadline, without waiting for it', async () => {
    const h = harness([{ fail: 'rate_limited', retryAfterMs: 90_000 }]);
    const result = await h.handle(laneRequest());
    expect(h.sleeps).toEqual([]);
    expect(result.error).toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED, retryable: true, providerCode: 'rate_limited_code' });
    expect(result.deadlineMet).toBe(true);
  });

  it('does not call the provider once the deadline has passed', async () => {
    const h = harness([]);
    const result = await h.handle(laneRequest({}, { deadline: '2030-01-01T11:58:00.000Z' }));
    expect(h.adapter.calls).toEqual([]);
    expect(result).toMatchObject({ status: 'failed', callId: CALL_ID, error: { code: ErrorCode.DEADLINE_EXCEEDED }, deadlineMet: false });
  });

  it('fails with DEADLINE_EXCEEDED when no provider slot frees up before the deadline', async () => {
    const h = harness([], { capacity: 1 });
    await h.limiter.acquire('openai:gpt-4o-mini', 'realtime');
    const result = await h.handle(laneRequest({}, { deadline: new Date(START + 20).toISOString() }));
    expect(h.adapter.calls).toEqual([]);
    expect(result.error).toMatchObject({ code: ErrorCode.DEADLINE_EXCEEDED, message: 'the deadline passed while waiting for a free openai:gpt-4o-mini slot' });
    expect(h.limiter.usage('openai:gpt-4o-mini').waiting.realtime).toBe(0);
  });

  it.each([
    ['model_unknown', ErrorCode.MODEL_UNKNOWN],
    ['invalid_request', ErrorCode.PROVIDER_INVALID_REQUEST],
    ['auth', ErrorCode.PROVIDER_AUTH],
  ] as const)('fails at once on %s, with the provider code and request id', async (kind, code) => {
    const h = harness([{ fail: kind }]);
    const result = await h.handle(laneRequest());
    expect(h.adapter.calls).toHaveLength(1);
    expect(result.error).toEqual({ code, message: `${kind} failure`, retryable: false, providerCode: `${kind}_code`, providerRequestId: `req_${kind}` });
  });

  it('falls back to the configured model once the retries of a retryable failure are spent', async () => {
    const fallbacks: FallbackMap = new Map([['openai:gpt-4o', { provider: 'openai', model: 'gpt-4o-mini' }]]);
    const h = harness([...Array.from({ length: 5 }, () => ({ fail: 'provider_down' as const })), { answer: 'from the fallback' }], { fallbacks });
    const result = await h.handle(laneRequest({ body: chatBody('gpt-4o') }));
    expect(h.adapter.calls.map((call) => call.body.model)).toEqual(['gpt-4o', 'gpt-4o', 'gpt-4o', 'gpt-4o', 'gpt-4o', 'gpt-4o-mini']);
    expect(result).toMatchObject({ status: 'succeeded', model: 'gpt-4o-mini' });
    expect(await h.metrics.metrics()).toContain(
      'sluice_provider_fallbacks_total{provider="openai",model="gpt-4o",lane="realtime",fallback_model="gpt-4o-mini",service="realtime-worker"} 1',
    );
  });

  it('falls back when the deadline leaves no time to retry the requested model', async () => {
    const fallbacks: FallbackMap = new Map([['openai:gpt-4o', { provider: 'openai', model: 'gpt-4o-mini' }]]);
    const h = harness([{ fail: 'rate_limited', retryAfterMs: 120_000 }, { answer: 'quick' }], { fallbacks });
    const result = await h.handle(laneRequest({ body: chatBody('gpt-4o') }));
    expect(result).toMatchObject({ status: 'succeeded', model: 'gpt-4o-mini' });
  });

  it('does not fall back from a request the provider refused', async () => {
    const fallbacks: FallbackMap = new Map([['openai:gpt-4o', { provider: 'openai', model: 'gpt-4o-mini' }]]);
    const h = harness([{ fail: 'invalid_request' }], { fallbacks });
    const result = await h.handle(laneRequest({ body: chatBody('gpt-4o') }));
    expect(h.adapter.calls).toHaveLength(1);
    expect(result).toMatchObject({ status: 'failed', model: 'gpt-4o', error: { code: ErrorCode.PROVIDER_INVALID_REQUEST } });
  });

  it('calls a flex model on the async lane at the flex tier and bills it there', async () => {
    const h = harness([{ answer: 'cheap' }]);
    const result = await h.handle(laneRequest({ body: chatBody('gpt-5-mini') }, { lane: 'async' }), 'async');
    expect(h.adapter.calls[0]!.tier).toBe('flex');
    expect(result.resultId).toBe('acme.req-1.async.1');
    expect(result.cost.usd).toBeCloseTo(result.cost.realtimeUsd / 2, 12);
    expect(result.cost.savedUsd).toBeCloseTo(result.cost.realtimeUsd / 2, 12);
  });

  it('calls a model without a flex tier on the async lane at standard', async () => {
    const h = harness([{ answer: 'list price' }]);
    const result = await h.handle(laneRequest({}, { lane: 'async' }), 'async');
    expect(h.adapter.calls[0]!.tier).toBe('standard');
    expect(result.cost.savedUsd).toBe(0);
  });

  it('calls a flex model on the realtime lane at standard', async () => {
    const h = harness([{ answer: 'fast' }]);
    await h.handle(laneRequest({ body: chatBody('gpt-5-mini') }));
    expect(h.adapter.calls[0]!.tier).toBe('standard');
  });

  it('streams the deltas in order, marks the last chunk final, then publishes the whole response', async () => {
    const h = harness([{ deltas: ['Hel', 'lo', ' wor', 'ld'] }]);
    const result = await h.handle(laneRequest({ stream: true }));
    const chunks = h.output.chunks;
    expect(chunks.map((chunk) => chunk.seq)).toEqual(chunks.map((_chunk, index) => index));
    expect(chunks.map((chunk) => chunk.delta).join('')).toBe('Hello world');
    expect(chunks.filter((chunk) => chunk.final)).toEqual([chunks[chunks.length - 1]]);
    expect(chunks[chunks.length - 1]).toMatchObject({ requestId: 'req-1', tenant: 'acme', final: true, finishReason: 'stop' });
    expect(result.response).toMatchObject({ choices: [{ message: { content: 'Hello world' } }] });
    expect(result.chunks).toBe(chunks.length);
    expect(h.adapter.calls[0]!.kind).toBe('stream');
  });

  it('retries a stream that failed before any text, without repeating anything', async () => {
    const h = harness([{ fail: 'retryable' }, { deltas: ['a', 'b'] }]);
    const result = await h.handle(laneRequest({ stream: true }));
    expect(result.status).toBe('succeeded');
    expect(h.output.chunks.map((chunk) => chunk.delta).join('')).toBe('ab');
  });

  it('does not retry a stream that broke after text went out, and ends it with an error chunk', async () => {
    const h = harness([{ deltas: ['partial'], thenFail: 'retryable' }, { answer: 'never asked' }]);
    const result = await h.handle(laneRequest({ stream: true }));
    expect(h.adapter.calls).toHaveLength(1);
    expect(result).toMatchObject({ status: 'failed', error: { code: ErrorCode.PROVIDER_ERROR } });
    expect(h.output.chunks[h.output.chunks.length - 1]).toMatchObject({ final: true, finishReason: 'error' });
  });

  it('embeds through the embeddings API and ignores the stream flag', async () => {
    const h = harness([]);
    const result = await h.handle(laneRequest({ operation: 'embedding', stream: true, body: { model: 'text-embedding-3-small', input: 'hi' } }));
    expect(h.adapter.calls).toEqual([expect.objectContaining({ kind: 'embed' })]);
    expect(h.output.chunks).toEqual([]);
    expect(result).toMatchObject({ status: 'succeeded', usage: { inputTokens: 3, outputTokens: 0 } });
    expect(result.chunks).toBeUndefined();
  });

  it('publishes nothing and throws when the worker stops waiting during a retry wait', async () => {
    const h = harness([{ fail: 'retryable' }], { onSleep: () => h.shutdown.abort() });
    await expect(h.handle(laneRequest())).rejects.toBeInstanceOf(ShutdownAbortError);
    expect(h.output.results).toEqual([]);
  });

  it('publishes an answer the provider billed when the worker stopped waiting as it came, then hands the message back', async () => {
    const h = harness([{ answer: 'paid for', then: () => h.shutdown.abort() }]);
    await expect(h.handle(laneRequest())).rejects.toBeInstanceOf(ShutdownAbortError);
    expect(h.output.results).toEqual([expect.objectContaining({ status: 'succeeded', resultId: 'acme.req-1.realtime.1', providerRequestId: 'req_ok' })]);
  });

  it('reports an answer too large for the broker as a failed result with its cost, and publishes that', async () => {
    const h = harness([], { maxResultBytes: 2_048 });
    const result = await h.handle(
      laneRequest({ operation: 'embedding', body: { model: 'text-embedding-3-large', input: Array.from({ length: 40 }, (_, i) => `text ${i}`) } }),
    );
    expect(h.output.results).toEqual([result]);
    expect(result).toMatchObject({ status: 'failed', error: { code: ErrorCode.PAYLOAD_TOO_LARGE, retryable: false, providerRequestId: 'req_e' } });
    expect(result.response).toBeUndefined();
    expect(result.cost.usd).toBeGreaterThan(0);
    expect(Buffer.byteLength(JSON.stringify(result))).toBeLessThan(2_048);
  });

  it('records each provider call in the latency histogram by outcome', async () => {
    const h = harness([{ fail: 'rate_limited', retryAfterMs: 10 }, { answer: 'ok' }]);
    await h.handle(laneRequest());
    const text = await h.metrics.metrics();
    expect(text).toContain(
      'sluice_provider_call_seconds_count{service="realtime-worker",provider="openai",model="gpt-4o-mini",lane="realtime",outcome="rate_limited"} 1',
    );
    expect(text).toContain(
      'sluice_provider_call_seconds_count{service="realtime-worker",provider="openai",model="gpt-4o-mini",lane="realtime",outcome="success"} 1',
    );
    expect(text).toContain('sluice_worker_results_total{lane="realtime",status="succeeded",code="none",service="realtime-worker"} 1');
  });
});
