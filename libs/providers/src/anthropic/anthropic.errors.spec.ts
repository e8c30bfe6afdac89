import { AnthropicError, APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OverloadedError, RateLimitError } from '@anthropic-ai/sdk';
import { ProviderError } from '../errors/provider-error';
import { anthropicFailure, mapAnthropicError, rethrowAnthropic } from './anthropic.errors';

function httpError(status: number, type: string, message: string, headers: Record<string, string> = {}): APIError {
  const body = { type: 'error', error: { type, message }, request_id: 'req_body' };
  return APIError.generate(status, body, undefined, new Headers({ 'request-id': 'req_header', ...headers }));
}

describe('mapAnthropicError', () => {
  it('maps a 429 to rate_limited with retry-after, status and request id', () => {
    const error = httpError(429, 'rate_limit_error', 'Number of requests has exceeded your rate limit', {
      'retry-after': '3',
    });
    expect(error).toBeInstanceOf(RateLimitError);
    expect(mapAnthropicError(error)).toMatchObject({
      kind: 'rate_limited',
      provider: 'anthropic',
      status: 429,
      code: 'rate_limit_error',
      providerRequestId: 'req_header',
      retryAfterMs: 3000,
    });
  });

  it('maps 529 overloaded and 503 to provider_down', () => {
    const overloaded = httpError(529, 'overloaded_error', 'Overloaded');
    expect(overloaded).toBeInstanceOf(OverloadedError);
    expect(mapAnthropicError(overloaded).kind).toBe('provider_down');
    expect(mapAnthropicError(httpError(503, 'api_error', 'unavailable')).kind).toBe('provider_down');
  });

  it.each([
    [400, 'invalid_request_error', 'temperature: Extra inputs are not permitted', 'invalid_request'],
    [413, 'request_too_large', 'too large', 'invalid_request'],
    [401, 'authentication_error', 'invalid x-api-key', 'auth'],
    [402, 'billing_error', 'credit balance too low', 'auth'],
    [403, 'permission_error', 'no', 'auth'],
    [404, 'not_found_error', 'model: claude-9', 'model_unknown'],
    [404, 'not_found_error', 'batch msgbatch_x not found', 'invalid_request'],
    [500, 'api_error', 'internal', 'retryable'],
    [504, 'timeout_error', 'timeout', 'retryable'],
  ] as const)('maps HTTP %i %s (%s) to %s', (status, type, message, kind) => {
    const mapped = mapAnthropicError(httpError(status, type, message));
    expect(mapped).toMatchObject({ kind, status, code: type, message, providerRequestId: 'req_header' });
  });

  it('maps a model named unknown by error code', () => {
    const body = { type: 'error', error: { type: 'invalid_request_error', message: 'x', details: { error_code: 'model_not_found' } } };
    const error = APIError.generate(400, body, undefined, new Headers({ 'request-id': 'req_1' }));
    expect(mapAnthropicError(error)).toMatchObject({ kind: 'model_unknown', code: 'model_not_found' });
  });

  it('falls back to the body request id when the header is missing', () => {
    const body = { type: 'error', error: { type: 'api_error', message: 'x' }, request_id: 'req_body' };
    const error = APIError.generate(500, body, undefined, new Headers());
    expect(mapAnthropicError(error).providerRequestId).toBe('req_body');
  });

  it('maps an error event inside a stream by its type', () => {
    const overloaded = new APIError(undefined, { type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, undefined, undefined);
    expect(mapAnthropicError(overloaded)).toMatchObject({ kind: 'provider_down', status: undefined });
  });

  it('maps timeouts, dropped and refused connections, and aborts', () => {
    expect(mapAnthropicError(new APIConnectionTimeoutError()).kind).toBe('retryable');
    expect(mapAnthropicError(new APIConnectionError({ message: 'reset' })).kind).toBe('retryable');
    const refused = new TypeError('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) });
    expect(mapAnthropicError(new APIConnectionError({ cause: refused })).kind).toBe('provider_down');
    expect(mapAnthropicError(new APIUserAbortError()).kind).toBe('aborted');
  });

  it('maps an SDK refusal made before sending (the long non-streaming guard) as invalid_request', () => {
    expect(mapAnthropicError(new AnthropicError('Streaming is required')).kind).toBe('invalid_request');
  });
});

describe('anthropicFailure', () => {
  it('classifies an errored batch line by its error type', () => {
    const failure = anthropicFailure(undefined, { type: 'error', error: { type: 'invalid_request_error', message: 'bad' }, request_id: 'req_line' }, null);
    expect(failure).toMatchObject({ kind: 'invalid_request', code: 'invalid_request_error', providerRequestId: 'req_line' });
  });
});

describe('rethrowAnthropic', () => {
  it('rethrows SDK errors as ProviderErrors and anything else untouched', () => {
    expect(() => rethrowAnthropic(httpError(500, 'api_error', 'x'))).toThrow(ProviderError);
    const bug = new TypeError('our bug');
    expect(() => rethrowAnthropic(bug)).toThrow(bug);
  });
});
