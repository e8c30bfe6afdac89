import { canonicalJson } from './canonical-json';

describe('canonicalJson', () => {
  it('is independent of key order at every depth', () => {
    const a = { b: 1, a: { d: [{ y: 1, x: 2 }], c: 'z' } };
    const b = { a: { c: 'z', d: [{ x: 2, y: 1 }] }, b: 1 };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(canonicalJson(a)).toBe('{"a":{"c":"z","d":[{"x":2,"y":1}]},"b":1}');
  });

  it('keeps array order, drops undefined members and honours toJSON', () => {
    expect(canonicalJson({ a: [2, 1], u: undefined, d: new Date('2030-01-01T00:00:00Z') })).toBe('{"a":[2,1],"d":"2030-01-01T00:00:00.000Z"}');
  });

  it('keeps a __proto__ key as data', () => {
    const parsed = JSON.parse('{"__proto__":{"polluted":true},"a":1}') as unknown;
    expect(canonicalJson(parsed)).toBe('{"__proto__":{"polluted":true},"a":1}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
