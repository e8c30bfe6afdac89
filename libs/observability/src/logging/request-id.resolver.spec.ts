import { resolveRequestId } from './request-id.resolver';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('resolveRequestId', () => {
  it("prefers the caller's x-request-id", () => {
    expect(resolveRequestId({ 'x-request-id': 'req-1', 'x-correlation-id': 'corr-1' })).toBe('req-1');
  });

  it('falls back to x-correlation-id', () => {
    expect(resolveRequestId({ 'x-correlation-id': 'corr-1' })).toBe('corr-1');
  });

  it('generates a UUID when the caller sent none', () => {
    expect(resolveRequestId({})).toMatch(UUID);
  });

  it('refuses an id that could break or forge a log line', () => {
    expect(resolveRequestId({ 'x-request-id': 'a b\n{"level":"fatal"}' })).toMatch(UUID);
    expect(resolveRequestId({ 'x-request-id': 'x'.repeat(129), 'x-correlation-id': 'ok' })).toBe('ok');
  });
});
