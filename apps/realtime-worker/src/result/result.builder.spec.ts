import { ErrorCode, InferenceResultV1, LaneRequestV1, validateMessage } from '@sluice/contracts';
import { sampleLaneRequest } from '@sluice/contracts/testing/message.samples';
import { ProviderError } from '@sluice/providers';
import { deadlineFailure, providerFailure } from './failure.mapping';
import { failedResult, fittingResult, laneDeadline, succeededResult } from './result.builder';

function laneRequest(overrides: Record<string, unknown> = {}, routing: Record<string, unknown> = {}): LaneRequestV1 {
  const plain = sampleLaneRequest(overrides);
  const outcome = validateMessage(LaneRequestV1, { ...plain, routing: { ...(plain.routing as object), lane: 'realtime', ...routing } });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

const USAGE = { inputTokens: 1_000_000, outputTokens: 500_000, cachedInputTokens: 0 };
const CHAT = { id: 'chatcmpl-1', object: 'chat.completion', choices: [{ index: 0, message: { role: 'assistant', content: 'Hi' }, finish_reason: 'stop' }] };

function expectValid(result: InferenceResultV1): void {
  const outcome = validateMessage(InferenceResultV1, JSON.parse(JSON.stringify(result)));
  expect(outcome).toMatchObject({ ok: true });
}

describe('succeededResult', () => {
  it('carries the response, usage, cost, timings, deadline and metadata', () => {
    const request = laneRequest();
    const completedAt = new Date('2030-01-01T11:00:00.000Z');
    const result = succeededResult(
      request,
      'realtime',
      { target: { provider: 'openai', model: 'gpt-4o-mini' }, tier: 'standard', response: CHAT, usage: USAGE, providerRequestId: 'req_1' },
      completedAt,
    );
    expect(result).toEqual({
      id: 'req-1',
      tenant: 'acme',
      resultId: 'acme.req-1.realtime.1',
      status: 'succeeded',
      lane: 'realtime',
      provider: 'openai',
      model: 'gpt-4o-mini',
      providerRequestId: 'req_1',
      response: CHAT,
      usage: USAGE,
      cost: { usd: 0.45, realtimeUsd: 0.45, savedUsd: 0 },
      timings: { receivedAt: '2029-12-31T12:00:00.123Z', routedAt: '2029-12-31T12:00:00.200Z', completedAt: '2030-01-01T11:00:00.000Z' },
      deadline: '2030-01-01T12:00:00.000Z',
      deadlineMet: true,
      metadata: { job: 'nightly-digest', 'trace.parent': 'abc' },
    });
    expectValid(result);
  });

  it('keys the result id on lane and routing attempt, so a redelivery repeats it and an escalation does not', () => {
    const served = {
      target: { provider: 'openai' as const, model: 'gpt-4o-mini' },
      tier: 'standard' as const,
      response: CHAT,
      usage: USAGE,
      providerRequestId: 'req_1',
    };
    const at = new Date('2030-01-01T00:00:00Z');
    expect(succeededResult(laneRequest(), 'realtime', served, at).resultId).toBe(succeededResult(laneRequest(), 'realtime', served, at).resultId);
    expect(succeededResult(laneRequest({}, {}), 'async', served, at).resultId).toBe('acme.req-1.async.1');
    expect(succeededResult(laneRequest({}, { attempt: 2 }), 'realtime', served, at).resultId).toBe('acme.req-1.realtime.2');
  });

  it('reports the deadline as missed when the answer came after it', () => {
    const result = succeededResult(
      laneRequest(),
      'realtime',
      { target: { provider: 'openai', model: 'gpt-4o-mini' }, tier: 'standard', response: CHAT, usage: USAGE, providerRequestId: 'req_1' },
      new Date('2030-01-01T12:00:00.001Z'),
    );
    expect(result.deadlineMet).toBe(false);
  });

  it("uses the router's deadline over the request's own", () => {
    expect(laneDeadline(laneRequest({ deadline: '2030-01-01T12:00:00.000Z' }, { deadline: '2030-01-01T10:00:00.000Z' }))).toBe('2030-01-01T10:00:00.000Z');
  });

  it('omits deadline and deadlineMet when the request had none', () => {
    const request = laneRequest({ deadline: undefined, request: { ...(sampleLaneRequest().request as object), deadline: undefined } }, { deadline: undefined });
    const result = succeededResult(
      request,
      'realtime',
      { target: { provider: 'openai', model: 'gpt-4o-mini' }, tier: 'standard', response: CHAT, usage: USAGE, providerRequestId: 'req_1' },
      new Date(),
    );
    expect(result).not.toHaveProperty('deadline');
    expect(result).not.toHaveProperty('deadlineMet');
    expectValid(result);
  });
});

describe('failedResult', () => {
  const invalid = new ProviderError({
    kind: 'model_unknown',
    provider: 'openai',
    status: 404,
    message: 'The model `gpt-nope` does not exist',
    code: 'model_not_found',
    providerRequestId: 'req_abc',
  });

  it("carries the provider's code and request id, no usage and no cost", () => {
    const result = failedResult(
      laneRequest(),
      'realtime',
      { provider: 'openai', model: 'gpt-nope' },
      providerFailure(invalid, 'not-retryable', 1),
      new Date('2030-01-01T00:00:00Z'),
    );
    expect(result).toMatchObject({
      status: 'failed',
      model: 'gpt-nope',
      error: {
        code: ErrorCode.MODEL_UNKNOWN,
        message: 'The model `gpt-nope` does not exist',
        retryable: false,
        providerCode: 'model_not_found',
        providerRequestId: 'req_abc',
      },
      usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
    });
    expect(result).not.toHaveProperty('response');
    expectValid(result);
  });

  it('stays valid with a deadline failure and an over-long provider message', () => {
    const long = new ProviderError({ kind: 'retryable', provider: 'anthropic', message: 'x'.repeat(10_000), code: 'api_error', providerRequestId: null });
    const result = failedResult(
      laneRequest(),
      'realtime',
      { provider: 'anthropic', model: 'claude-haiku-4-5' },
      providerFailure(long, 'attempts-exhausted', 5),
      new Date(),
    );
    expect(result.error!.message.length).toBeLessThanOrEqual(4096);
    expectValid(result);
    expectValid(failedResult(laneRequest(), 'async', { provider: 'openai', model: 'gpt-4o' }, deadlineFailure('too late'), new Date()));
  });
});

describe('providerFailure', () => {
  const failure = (kind: ProviderError['kind'], code: string | null = null): ProviderError =>
    new ProviderError({ kind, provider: 'openai', message: 'boom', code, providerRequestId: 'req_1' });

  it('maps each kind to its error code and retryability', () => {
    expect(providerFailure(failure('rate_limited'), 'attempts-exhausted', 5)).toMatchObject({ code: ErrorCode.PROVIDER_RATE_LIMITED, retryable: true });
    expect(providerFailure(failure('retryable'), 'attempts-exhausted', 5)).toMatchObject({ code: ErrorCode.PROVIDER_ERROR, retryable: true });
    expect(providerFailure(failure('retryable', 'timeout'), 'attempts-exhausted', 5)).toMatchObject({ code: ErrorCode.PROVIDER_TIMEOUT, retryable: true });
    expect(providerFailure(failure('provider_down'), 'attempts-exhausted', 5)).toMatchObject({ code: ErrorCode.PROVIDER_UNAVAILABLE, retryable: true });
    expect(providerFailure(failure('invalid_request'), 'not-retryable', 1)).toMatchObject({ code: ErrorCode.PROVIDER_INVALID_REQUEST, retryable: false });
    expect(providerFailure(failure('unsupported'), 'not-retryable', 1)).toMatchObject({ code: ErrorCode.PROVIDER_INVALID_REQUEST, retryable: false });
    expect(providerFailure(failure('auth'), 'not-retryable', 1)).toMatchObject({ code: ErrorCode.PROVIDER_AUTH, retryable: false });
    expect(providerFailure(failure('model_unknown'), 'not-retryable', 1)).toMatchObject({ code: ErrorCode.MODEL_UNKNOWN, retryable: false });
  });

  it('reports a deadline that stopped the retries as DEADLINE_EXCEEDED, keeping the last provider error', () => {
    expect(providerFailure(failure('rate_limited', 'rate_limit_exceeded'), 'deadline', 2)).toEqual({
      code: ErrorCode.DEADLINE_EXCEEDED,
      message: 'the deadline left no time to retry openai after 2 attempt(s); last error: boom',
      retryable: true,
      providerCode: 'rate_limit_exceeded',
      providerRequestId: 'req_1',
    });
  });

  it('names the attempts when they ran out', () => {
    expect(providerFailure(failure('retryable'), 'attempts-exhausted', 5).message).toBe('openai failed 5 attempt(s); last error: boom');
  });
});

describe('fittingResult', () => {
  const served = {
    target: { provider: 'openai' as const, model: 'gpt-4o-mini' },
    tier: 'standard' as const,
    response: CHAT,
    usage: USAGE,
    providerRequestId: 'req_1',
  };
  const at = new Date('2030-01-01T11:00:00.000Z');

  it('keeps a result that fits, and any failure', () => {
    const result = succeededResult(laneRequest(), 'realtime', served, at);
    expect(fittingResult(result, 100_000)).toBe(result);
    const failed = failedResult(laneRequest(), 'realtime', served.target, deadlineFailure('late'), at);
    expect(fittingResult(failed, 10)).toBe(failed);
  });

  it('turns an answer too large to publish into a failure PAYLOAD_TOO_LARGE that keeps the cost, the ids and no response', () => {
    const result = succeededResult(laneRequest(), 'realtime', served, at);
    const size = Buffer.byteLength(JSON.stringify(result));
    const fitted = fittingResult(result, size - 1);
    expect(fitted).toMatchObject({
      status: 'failed',
      resultId: result.resultId,
      providerRequestId: 'req_1',
      usage: USAGE,
      cost: result.cost,
      error: { code: ErrorCode.PAYLOAD_TOO_LARGE, retryable: false, providerRequestId: 'req_1' },
    });
    expect(fitted.error?.message).toContain(`${size} bytes, more than the ${size - 1}`);
    expect(fitted.response).toBeUndefined();
    expectValid(fitted);
  });
});
