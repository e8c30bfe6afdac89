import { cacheKey, canonicalJson } from './cache-key';

const base = { tenant: 'acme', provider: 'openai', operation: 'chat', body: { model: 'm', messages: [{ role: 'user', content: 'hi' }] }, shared: false };

describe('cacheKey', () => {
  it('ignores key order but not content', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } })).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(cacheKey(base)).toBe(cacheKey({ ...base, body: { messages: base.body.messages, model: 'm' } }));
    expect(cacheKey(base)).not.toBe(cacheKey({ ...base, body: { ...base.body, model: 'n' } }));
  });

  it('separates tenants unless the entry is shared', () => {
    expect(cacheKey(base)).not.toBe(cacheKey({ ...base, tenant: 'globex' }));
    expect(cacheKey({ ...base, shared: true })).toBe(cacheKey({ ...base, tenant: 'globex', shared: true }));
    expect(cacheKey({ ...base, shared: true })).not.toBe(cacheKey(base));
  });

  it('separates providers and operations', () => {
    expect(cacheKey(base)).not.toBe(cacheKey({ ...base, provider: 'anthropic' }));
    expect(cacheKey(base)).not.toBe(cacheKey({ ...base, operation: 'embedding' }));
  });
});
