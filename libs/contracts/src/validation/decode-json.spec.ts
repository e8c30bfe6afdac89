import { ErrorCode } from '../errors/error-code.enum';
import { decodeJson } from './decode-json';

describe('decodeJson', () => {
  it('parses JSON from a buffer or a string', () => {
    expect(decodeJson(Buffer.from('{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
    expect(decodeJson('[1,2]')).toEqual({ ok: true, value: [1, 2] });
  });

  it('accepts a leading byte order mark', () => {
    expect(decodeJson(Buffer.from('\uFEFF{"a":1}'))).toEqual({ ok: true, value: { a: 1 } });
  });

  it.each([
    ['not JSON', Buffer.from('{"a":')],
    ['a tombstone', null],
    ['invalid UTF-8', Buffer.from([0x7b, 0xff, 0x7d])],
    ['empty', Buffer.alloc(0)],
  ])('returns INVALID_JSON instead of throwing for %s', (_label, input) => {
    const outcome = decodeJson(input);
    expect(outcome.ok).toBe(false);
    if (!outcome.ok) expect(outcome.error.code).toBe(ErrorCode.INVALID_JSON);
  });

  it('refuses payloads over the byte limit before parsing them', () => {
    const outcome = decodeJson(Buffer.from(JSON.stringify({ text: 'x'.repeat(100) })), { maxBytes: 50 });
    expect(outcome).toEqual({ ok: false, error: { code: ErrorCode.PAYLOAD_TOO_LARGE, message: expect.stringContaining('limit is 50') } });
  });
});
