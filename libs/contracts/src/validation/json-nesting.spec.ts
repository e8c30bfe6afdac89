import { ErrorCode } from '../errors/error-code.enum';
import { canonicalJson } from './canonical-json';
import { clipNesting, MAX_FIELD_NESTING, nestingErrors } from './json-nesting';

/** `levels` arrays one inside the other, as JSON.parse builds them from text of any depth. */
function nested(levels: number): unknown {
  return JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
}

describe('nestingErrors', () => {
  it('accepts a field of exactly MAX_FIELD_NESTING levels and names one that has one more', () => {
    expect(nestingErrors({ body: nested(MAX_FIELD_NESTING), id: 'x' })).toEqual([]);
    expect(nestingErrors({ body: nested(MAX_FIELD_NESTING + 1), id: 'x' })).toEqual([
      { code: ErrorCode.INVALID_FIELD, message: `body nests arrays and objects more than ${MAX_FIELD_NESTING} levels deep`, field: 'body' },
    ]);
  });

  it('counts objects and arrays alike, and names every field that nests too deep', () => {
    const objects = JSON.parse(`${'{"a":'.repeat(MAX_FIELD_NESTING + 1)}1${'}'.repeat(MAX_FIELD_NESTING + 1)}`) as unknown;
    expect(nestingErrors({ body: objects, metadata: nested(100), tenant: 'acme' }).map((error) => error.field)).toEqual(['body', 'metadata']);
  });

  it('walks a value far deeper than the stack allows without throwing', () => {
    expect(nestingErrors({ body: nested(100_000) }).map((error) => error.field)).toEqual(['body']);
  });
});

describe('clipNesting', () => {
  it('copies a message within the limit unchanged', () => {
    const message = { tenant: 'acme', body: { model: 'm', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }] }, n: null };
    expect(clipNesting(message)).toEqual(message);
    expect(canonicalJson(clipNesting({ body: nested(MAX_FIELD_NESTING) }))).toBe(canonicalJson({ body: nested(MAX_FIELD_NESTING) }));
  });

  it('cuts each field at MAX_FIELD_NESTING levels, so the copy can be hashed and validated', () => {
    const clipped = clipNesting({ tenant: 'acme', body: nested(100_000) }) as Record<string, unknown>;
    expect(nestingErrors(clipped)).toEqual([]);
    expect(clipped.tenant).toBe('acme');
    expect(canonicalJson(clipped)).toBe(`{"body":${'['.repeat(MAX_FIELD_NESTING)}null${']'.repeat(MAX_FIELD_NESTING)},"tenant":"acme"}`);
  });

  it('keeps a __proto__ key as data', () => {
    const clipped = clipNesting(JSON.parse('{"__proto__":{"polluted":true}}')) as Record<string, unknown>;
    expect(Object.keys(clipped)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});
