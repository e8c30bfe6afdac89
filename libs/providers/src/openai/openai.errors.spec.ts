import { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError, OpenAIError } from 'openai';
import { ProviderError } from '../errors/provider-error';
import { mapOpenAIError, rethrowOpenAI } from './openai.errors';

function httpError(status: number, error: Record<string, unknown>, headers: Record<string, string> = {}): APIError {
  return APIError.generate(status, { error }, undefined, new Headers({ 'x-request-id': 'req_abc', ...headers }));
}

describe('mapOpenAIError', () => {
  it('maps a 429 to rate_limited with retry-after-ms, status and request id', () => {
    const mapped = mapOpenAIError(httpError(429, { message: 'slow down', type: 'requests', code: 'rate_limit_exceeded' }, { 'retry-after-ms': '1500' }));
    expect(mapped).toBeInstanceOf(ProviderError);
    expect(mapped).toMatchObject({
      kind: 'rate_limited',
      provider: 'openai',
      status: 429,
      code: 'rate_limit_exceeded',
      providerRequestId: 'req_abc',
      retryAfterMs: 1500,
      message: 'slow down',
    });
    expect(mapped.retryable).toBe(true);
  });

  it('reads retry-after in seconds when retry-after-ms is absent', () => {
    const mapped = mapOpenAIError(httpError(429, { message: 'later', code: 'rate_limit_exceeded' }, { 'retry-after': '7' }));
    expect(mapped.retryAfterMs).toBe(7000);
  });

  it('leaves retryAfterMs undefined when the provider gave no delay', () => {
    expect(mapOpenAIError(httpError(429, { message: 'later' })).retryAfterMs).toBeUndefined();
  });

  it('treats an exhausted quota as an auth problem, not a wait', () => {
    expect(mapOpenAIError(httpError(429, { message: 'quota', code: 'insufficient_quota' })).kind).toBe('auth');
  });

  it.each([
    [400, { message: 'bad', type: 'invalid_request_error', code: null }, 'invalid_request'],
    [422, { message: 'bad' }, 'invalid_request'],
    [401, { message: 'no key', type: 'invalid_request_error', code: 'invalid_api_key' }, 'auth'],
    [403, { message: 'forbidden' }, 'auth'],
    [404, { message: 'The model `gpt-9` does not exist', code: 'model_not_found' }, 'model_unknown'],
    [404, { message: 'The model `gpt-9` does not exist or you do not have access to it.' }, 'model_unknown'],
    [404, { message: 'No batch found with id batch_x' }, 'invalid_request'],
    [400, { message: 'unknown model', code: 'model_not_found' }, 'model_unknown'],
    [408, { message: 'timeout' }, 'retryable'],
    [409, { message: 'conflict' }, 'retryable'],
    [500, { message: 'oops', type: 'server_error' }, 'retryable'],
    [502, { message: 'bad gateway' }, 'retryable'],
    [503, { message: 'unavailable' }, 'provider_down'],
  ] as const)('maps HTTP %i %j to %s', (status, body, kind) => {
    const mapped = mapOpenAIError(httpError(status, body));
    expect(mapped.kind).toBe(kind);
    expect(mapped.status).toBe(status);
    expect(mapped.providerRequestId).toBe('req_abc');
  });

  it('maps timeouts and dropped connections to retryable', () => {
    expect(mapOpenAIError(new APIConnectionTimeoutError())).toMatchObject({ kind: 'retryable', code: 'timeout' });
    const reset = new APIConnectionError({ cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }) });
    expect(mapOpenAIError(reset)).toMatchObject({ kind: 'retryable', code: 'connection_error', status: undefined });
  });

  it('maps a refused connection to provider_down', () => {
    const fetchFailed = new TypeError('fetch failed', { cause: Object.assign(new Error('connect'), { code: 'ECONNREFUSED' }) });
    expect(mapOpenAIError(new APIConnectionError({ cause: fetchFailed })).kind).toBe('provider_down');
  });

  it('maps the caller aborting to aborted', () => {
    expect(mapOpenAIError(new APIUserAbortError()).kind).toBe('aborted');
  });

  it('maps an error event inside a stream by its code', () => {
    const inStream = new APIError(undefined, { message: 'too fast', code: 'rate_limit_exceeded' }, undefined, undefined);
    expect(mapOpenAIError(inStream)).toMatchObject({ kind: 'rate_limited', status: undefined });
    const serverError = new APIError(undefined, { message: 'boom', type: 'server_error' }, undefined, undefined);
    expect(mapOpenAIError(serverError).kind).toBe('retryable');
  });

  it('keeps the SDK error as the cause', () => {
    const original = httpError(400, { message: 'bad' });
    expect(mapOpenAIError(original).cause).toBe(original);
  });

  it('maps an SDK refusal made before sending as invalid_request', () => {
    expect(mapOpenAIError(new OpenAIError('bad argument')).kind).toBe('invalid_request');
  });
});

describe('rethrowOpenAI', () => {
  it('rethrows SDK errors as ProviderErrors and anything else untouched', () => {
    expect(() => rethrowOpenAI(httpError(500, { message: 'x' }))).toThrow(ProviderError);
    const bug = new RangeError('our bug');
    expect(() => rethrowOpenAI(bug)).toThrow(bug);
  });
});
