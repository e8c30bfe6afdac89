import { isRetryableKind, isUnreachable, kindForStatus, ProviderError, retryAfterMsFrom } from './provider-error';

describe('kindForStatus', () => {
  it.each([
    [400, 'invalid_request'],
    [413, 'invalid_request'],
    [401, 'auth'],
    [402, 'auth'],
    [403, 'auth'],
    [408, 'retryable'],
    [409, 'retryable'],
    [429, 'rate_limited'],
    [500, 'retryable'],
    [504, 'retryable'],
    [503, 'provider_down'],
    [529, 'provider_down'],
  ] as const)('%i is %s', (status, kind) => {
    expect(kindForStatus(status)).toBe(kind);
  });
});

describe('retryAfterMsFrom', () => {
  it('prefers retry-after-ms', () => {
    expect(retryAfterMsFrom(new Headers({ 'retry-after-ms': '250', 'retry-after': '9' }))).toBe(250);
  });

  it('reads retry-after as seconds or as an HTTP date', () => {
    expect(retryAfterMsFrom(new Headers({ 'retry-after': '2' }))).toBe(2000);
    const now = Date.parse('2026-10-01T00:00:00Z');
    const headers = new Headers({ 'retry-after': 'Thu, 01 Oct 2026 00:00:05 GMT' });
    expect(retryAfterMsFrom(headers, () => now)).toBe(5000);
  });

  it('ignores missing or unreadable values', () => {
    expect(retryAfterMsFrom(undefined)).toBeUndefined();
    expect(retryAfterMsFrom(new Headers())).toBeUndefined();
    expect(retryAfterMsFrom(new Headers({ 'retry-after': 'soon' }))).toBeUndefined();
  });
});

describe('isUnreachable', () => {
  it('finds a refused connection anywhere in the cause chain', () => {
    const error = new Error('outer', { cause: new Error('fetch failed', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }) });
    expect(isUnreachable(error)).toBe(true);
    expect(isUnreachable(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(false);
  });
});

describe('ProviderError', () => {
  it('says whether its kind is worth retrying and serialises to a plain failure', () => {
    const error = new ProviderError({
      kind: 'rate_limited',
      provider: 'openai',
      message: 'slow down',
      status: 429,
      code: 'rate_limit_exceeded',
      providerRequestId: 'req_1',
      retryAfterMs: 100,
    });
    expect(error.retryable).toBe(true);
    expect(error.toFailure()).toEqual({
      kind: 'rate_limited',
      provider: 'openai',
      message: 'slow down',
      status: 429,
      code: 'rate_limit_exceeded',
      providerRequestId: 'req_1',
      retryAfterMs: 100,
    });
    expect(isRetryableKind('invalid_request')).toBe(false);
    expect(isRetryableKind('provider_down')).toBe(true);
  });
});
