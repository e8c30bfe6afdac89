import { parseTargetKey, targetKey } from './provider.target';
import { parseConcurrencyMap, parsedOrThrow, parseFallbackMap } from './target.maps';

describe('provider targets', () => {
  it('round-trip through their provider:model key, models with colons included', () => {
    expect(targetKey({ provider: 'openai', model: 'gpt-4o' })).toBe('openai:gpt-4o');
    expect(parseTargetKey('openai:ft:gpt-4o-mini:acme::abc')).toEqual({ provider: 'openai', model: 'ft:gpt-4o-mini:acme::abc' });
    expect(parseTargetKey('gemini:pro')).toBeUndefined();
    expect(parseTargetKey('openai:')).toBeUndefined();
    expect(parseTargetKey('gpt-4o')).toBeUndefined();
  });
});

describe('parseFallbackMap', () => {
  it('reads provider:model pairs', () => {
    expect(parseFallbackMap('{"openai:gpt-4o":"openai:gpt-4o-mini","anthropic:claude-sonnet-4-5":"anthropic:claude-haiku-4-5"}')).toEqual({
      ok: true,
      value: new Map([
        ['openai:gpt-4o', { provider: 'openai', model: 'gpt-4o-mini' }],
        ['anthropic:claude-sonnet-4-5', { provider: 'anthropic', model: 'claude-haiku-4-5' }],
      ]),
    });
    expect(parseFallbackMap('{}')).toEqual({ ok: true, value: new Map() });
  });

  it('names every bad entry', () => {
    expect(parseFallbackMap('{"openai:gpt-4o":"anthropic:claude-haiku-4-5","gpt-4o":"openai:x","openai:a":"openai:a","openai:b":3}')).toEqual({
      ok: false,
      problems: [
        '"openai:gpt-4o" must fall back to a model of the same provider',
        'key "gpt-4o" must be provider:model with provider openai or anthropic',
        '"openai:a" must not fall back to itself',
        'value of "openai:b" must be a "provider:model" string with provider openai or anthropic',
      ],
    });
  });

  it('refuses what is not a JSON object', () => {
    expect(parseFallbackMap('nope')).toEqual({ ok: false, problems: ['is not valid JSON'] });
    expect(parseFallbackMap('["openai:a"]')).toEqual({ ok: false, problems: ['must be a JSON object'] });
  });
});

describe('parseConcurrencyMap', () => {
  it('reads positive integers per target', () => {
    expect(parseConcurrencyMap('{"openai:gpt-4o":64}')).toEqual({ ok: true, value: new Map([['openai:gpt-4o', 64]]) });
  });

  it('refuses other values', () => {
    expect(parseConcurrencyMap('{"openai:gpt-4o":0,"openai:x":1.5,"x":2}')).toMatchObject({
      ok: false,
      problems: expect.arrayContaining([expect.stringContaining('"openai:gpt-4o"')]),
    });
  });
});

describe('parsedOrThrow', () => {
  it('names the variable', () => {
    expect(() => parsedOrThrow('WORKER_FALLBACKS', parseFallbackMap('['))).toThrow('WORKER_FALLBACKS is not valid JSON');
  });
});
