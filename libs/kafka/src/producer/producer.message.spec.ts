import { encodeMessage, encodeValue } from './producer.message';

describe('encodeValue', () => {
  it('JSON-encodes objects, strings and numbers', () => {
    expect(encodeValue({ a: 1 })).toBe('{"a":1}');
    expect(encodeValue('text')).toBe('"text"');
    expect(encodeValue(3)).toBe('3');
  });

  it('sends buffers as they are and null as a tombstone', () => {
    const raw = Buffer.from('not json');
    expect(encodeValue(raw)).toBe(raw);
    expect(encodeValue(null)).toBeNull();
  });

  it('refuses values JSON cannot represent', () => {
    expect(() => encodeValue(undefined)).toThrow(TypeError);
  });
});

describe('encodeMessage', () => {
  it('adds the correlation headers that were given, next to the others', () => {
    expect(
      encodeMessage({
        key: 'req-1',
        value: { ok: true },
        headers: { 'x-tenant': 't-1' },
        correlationId: 'c-1',
        traceparent: '00-aa-bb-01',
      }),
    ).toEqual({
      key: 'req-1',
      value: '{"ok":true}',
      headers: { 'x-tenant': 't-1', 'x-correlation-id': 'c-1', traceparent: '00-aa-bb-01' },
      partition: undefined,
    });
  });

  it('adds no correlation headers that were not given', () => {
    expect(encodeMessage({ value: 1 }).headers).toEqual({});
    expect(encodeMessage({ value: 1 }).key).toBeNull();
  });
});
