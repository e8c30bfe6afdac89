import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import { jobRequestId, parseJobLine } from './job-line.parser';

const context = { tenant: 'acme', jobId: 'job-1', defaults: { deadline: '2030-01-01T06:00:00.000Z', mode: 'batch' } };

function line(value: unknown, number = 7) {
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return { number, bytes: Buffer.byteLength(text), kind: 'text' as const, text };
}

function requestLine(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { tenant: _t, id: _i, deadline: _d, notBefore: _n, mode: _m, replyTo: _r, webhook: _w, ...rest } = sampleRequest();
  return { ...rest, ...overrides };
}

describe('parseJobLine', () => {
  it('fills in the tenant and the job defaults, and names the request after the job and line', () => {
    const parsed = parseJobLine(line(requestLine()), context);
    expect(parsed).toMatchObject({
      ok: true,
      line: 7,
      requestId: 'job-1-7',
      request: { tenant: 'acme', deadline: '2030-01-01T06:00:00.000Z', mode: 'batch', provider: 'openai' },
    });
    expect(parsed.ok && parsed.request.id).toBeUndefined();
    expect(jobRequestId('job-1', 7)).toBe('job-1-7');
  });

  it("keeps the line's own id, tenant, deadline, maxLatencyMs and mode over the defaults", () => {
    expect(parseJobLine(line(requestLine({ id: 'mine', tenant: 'acme', deadline: '2030-02-01T00:00:00Z', mode: 'realtime' })), context)).toMatchObject({
      ok: true,
      requestId: 'mine',
      request: { id: 'mine', deadline: '2030-02-01T00:00:00Z', mode: 'realtime' },
    });
    const relative = parseJobLine(line(requestLine({ maxLatencyMs: 60_000 })), context);
    expect(relative).toMatchObject({ ok: true, request: { maxLatencyMs: 60_000 } });
    expect(relative.ok && relative.request.deadline).toBeUndefined();
  });

  it('gives a line without provider or operation the defaults of the job', () => {
    const { provider: _p, operation: _o, ...bare } = requestLine();
    const parsed = parseJobLine(line(bare), { ...context, defaults: { provider: 'openai', operation: 'chat' } });
    expect(parsed).toMatchObject({ ok: true, request: { provider: 'openai', operation: 'chat' } });
  });

  it('refuses an invalid request with every problem, under its own id when usable', () => {
    const parsed = parseJobLine(line(requestLine({ id: 'bad-1', body: { messages: [] }, mode: 'whenever' })), context);
    expect(parsed).toMatchObject({ ok: false, line: 7, requestId: 'bad-1', attempt: expect.stringMatching(/^[0-9a-f]{16}$/) });
    expect(!parsed.ok && parsed.errors.map((error) => error.field).sort()).toEqual(['body.model', 'mode']);
    expect(parseJobLine(line(requestLine({ id: 'not an id!', body: {} })), context)).toMatchObject({ ok: false, requestId: 'job-1-7' });
  });

  it.each([
    ['not JSON', line('{"provider": "openai",'), 'INVALID_JSON', ''],
    ['not an object', line('[1, 2]'), 'VALIDATION_FAILED', ''],
    ['another tenant', line(requestLine({ tenant: 'other' })), 'FORBIDDEN', 'tenant'],
    ['too long', { number: 7, bytes: 5_000_000, kind: 'too-long' as const }, 'PAYLOAD_TOO_LARGE', ''],
    ['not UTF-8', { number: 7, bytes: 3, kind: 'not-utf8' as const }, 'INVALID_JSON', ''],
  ])('refuses a line that is %s', (_what, input, code, field) => {
    expect(parseJobLine(input, context)).toMatchObject({ ok: false, line: 7, requestId: 'job-1-7', errors: [{ code, field, message: expect.any(String) }] });
  });

  it('gives a refusal the same attempt for the same line and another for other content', () => {
    const first = parseJobLine(line('{"a":'), context);
    const again = parseJobLine(line('{"a":'), context);
    const other = parseJobLine(line('{"b":'), context);
    expect(!first.ok && !again.ok && first.attempt === again.attempt).toBe(true);
    expect(!first.ok && !other.ok && first.attempt !== other.attempt).toBe(true);
  });

  it('refuses a line nested deeper than the limit by naming its field, whichever tenant it names', () => {
    // Built as text: JSON.stringify itself overflows the stack on a value this deep.
    const messages = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const deep = (tenant: string) => `{"tenant":"${tenant}","provider":"openai","operation":"chat","body":{"model":"m","messages":${messages}}}`;
    const text = (value: string) => ({ number: 7, bytes: Buffer.byteLength(value), kind: 'text' as const, text: value });
    expect(parseJobLine(text(deep('acme')), context)).toMatchObject({ ok: false, errors: [{ code: 'INVALID_FIELD', field: 'body' }] });
    expect(parseJobLine(text(deep('other')), context)).toMatchObject({ ok: false, errors: [{ code: 'FORBIDDEN', field: 'tenant' }] });
  });
});
