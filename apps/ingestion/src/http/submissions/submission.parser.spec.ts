import { ErrorCode, MAX_FIELD_NESTING } from '@sluice/contracts';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { parseSubmission, SubmissionLimits } from './submission.parser';

const limits: SubmissionLimits = { singleBodyBytes: 10_000, bulkMaxRequests: 4 };

function request(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { tenant: _tenant, ...rest } = sampleRequest(overrides);
  return rest;
}

/** `levels` arrays one inside the other, as JSON.parse builds them from a body of any depth. */
function nested(levels: number): unknown {
  return JSON.parse(`${'['.repeat(levels)}${']'.repeat(levels)}`);
}

function parse(json: unknown, bytes = 100) {
  let ids = 0;
  return parseSubmission(json, bytes, 'acme', limits, () => `req_new_${(ids += 1)}`);
}

describe('parseSubmission', () => {
  it('reads one request object, filling in the tenant of the API key', () => {
    const parsed = parse(request());
    expect(parsed).toMatchObject({ ok: true, bulk: false, items: [{ ok: true, request: { tenant: 'acme', id: 'req-1' } }] });
  });

  it('accepts a body that repeats the tenant of the API key', () => {
    expect(parse({ ...request(), tenant: 'acme' })).toMatchObject({ ok: true, items: [{ ok: true }] });
  });

  it('reads { requests: [...] } as a bulk submission, in order', () => {
    const parsed = parse({ requests: [request({ id: 'a' }), request({ id: 'b' })] });
    expect(parsed.ok && parsed.bulk).toBe(true);
    expect(parsed.ok && parsed.items.map((item) => item.ok && item.request.id)).toEqual(['a', 'b']);
  });

  it('refuses a request for another tenant with 403, for the whole body', () => {
    expect(parse({ ...request(), tenant: 'globex' })).toMatchObject({ ok: false, status: 403, code: ErrorCode.FORBIDDEN });
    expect(parse({ requests: [request(), { ...request({ id: 'b' }), tenant: 'globex' }] })).toMatchObject({ ok: false, status: 403 });
  });

  it('refuses a single request over its size limit with 413, while a bulk body is bounded by its count', () => {
    expect(parse(request(), 10_001)).toMatchObject({ ok: false, status: 413, code: ErrorCode.PAYLOAD_TOO_LARGE });
    expect(parse({ requests: [request()] }, 10_001)).toMatchObject({ ok: true });
    expect(parse({ requests: [request(), request(), request(), request(), request()] })).toMatchObject({
      ok: false,
      status: 413,
      code: ErrorCode.PAYLOAD_TOO_LARGE,
    });
  });

  it.each([
    ['an array', [request()], ErrorCode.VALIDATION_FAILED],
    ['a string', 'hello', ErrorCode.VALIDATION_FAILED],
    ['an empty bulk', { requests: [] }, ErrorCode.INVALID_FIELD],
    ['a bulk that is not an array', { requests: {} }, ErrorCode.INVALID_FIELD],
    ['a bulk with other fields', { requests: [request()], tenant: 'acme' }, ErrorCode.UNKNOWN_FIELD],
  ])('refuses %s with 400', (_case, json, code) => {
    expect(parse(json)).toMatchObject({ ok: false, status: 400, code });
  });

  it('validates each request, naming its own fields, and names invalid ones by their id or a new one', () => {
    const parsed = parse({ requests: [request({ id: 'good' }), request({ id: 'bad', mode: 'whenever' }), request({ id: '??', body: {} }), 42] });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [good, bad, unnamed, notObject] = parsed.items;
    expect(good.ok).toBe(true);
    expect(bad).toMatchObject({ ok: false, requestId: 'bad', errors: [{ code: 'INVALID_FIELD', field: 'mode' }] });
    expect(unnamed).toMatchObject({ ok: false, requestId: 'req_new_1' });
    expect(!unnamed.ok && unnamed.errors.map((error) => error.field).sort()).toEqual(['body.messages', 'body.model', 'id']);
    expect(notObject).toMatchObject({ ok: false, requestId: 'req_new_2', errors: [{ code: 'VALIDATION_FAILED', field: '' }] });
  });

  it('tells refused attempts apart by their content', () => {
    const [a, b, c] = [parse(request({ mode: 'x' })), parse(request({ mode: 'x' })), parse(request({ mode: 'y' }))].map(
      (parsed) => parsed.ok && !parsed.items[0].ok && parsed.items[0].attempt,
    );
    expect(a).toBe(b);
    expect(c).not.toBe(a);
  });

  it('refuses a request nested deeper than the limit by naming its field, and one nested too deep to hash as a whole', () => {
    const parsed = parse({ requests: [request({ id: 'deep', body: { model: 'm', messages: nested(3_000) } }), nested(100_000)] });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    const [deep, notObject] = parsed.items;
    expect(deep).toMatchObject({
      ok: false,
      requestId: 'deep',
      errors: [{ code: ErrorCode.INVALID_FIELD, field: 'body', message: expect.stringContaining(`${MAX_FIELD_NESTING} levels`) }],
    });
    expect(notObject).toMatchObject({ ok: false, errors: [{ code: ErrorCode.VALIDATION_FAILED, field: '' }], attempt: expect.any(String) });
  });
});
