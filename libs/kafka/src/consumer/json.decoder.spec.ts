import { decodeJson } from './json.decoder';

describe('decodeJson', () => {
  it('decodes a JSON value', () => {
    expect(decodeJson(Buffer.from('{"a":[1,"é"]}'))).toEqual({ ok: true, value: { a: [1, 'é'] } });
  });

  it('reports text that is not JSON', () => {
    expect(decodeJson(Buffer.from('not json'))).toMatchObject({ ok: false, code: 'INVALID_JSON' });
  });

  it('refuses bytes that are not UTF-8 instead of replacing them', () => {
    const value = Buffer.concat([Buffer.from('{"text":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]);
    expect(decodeJson(value)).toEqual({ ok: false, code: 'INVALID_JSON', message: 'value is not valid UTF-8' });
  });

  it('reports a missing or empty value', () => {
    expect(decodeJson(null)).toMatchObject({ ok: false, code: 'EMPTY_VALUE' });
    expect(decodeJson(Buffer.alloc(0))).toMatchObject({ ok: false, code: 'EMPTY_VALUE' });
  });
});
