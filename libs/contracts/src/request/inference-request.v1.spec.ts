import { ErrorCode } from '../errors/error-code.enum';
import { sampleRequest } from '../testing/message.samples';
import { MAX_FIELD_NESTING } from '../validation/json-nesting';
import { FieldError, validateMessage } from '../validation/validate-message';
import { InferenceRequestV1, resolveDeadline, validateRequest } from './inference-request.v1';

function errorsOf(plain: Record<string, unknown>): FieldError[] {
  const outcome = validateMessage(InferenceRequestV1, plain);
  if (outcome.ok) throw new Error('expected the request to be invalid');
  return outcome.errors;
}

function only(plain: Record<string, unknown>): FieldError {
  const errors = errorsOf(plain);
  expect(errors).toHaveLength(1);
  return errors[0];
}

const minimal = { tenant: 'acme', provider: 'anthropic', operation: 'chat', body: { model: 'claude-haiku-4-5', max_tokens: 16, messages: [] } };

describe('InferenceRequestV1', () => {
  it('accepts a full request', () => {
    expect(validateMessage(InferenceRequestV1, sampleRequest()).ok).toBe(true);
  });

  it('fills defaults for a minimal request', () => {
    const outcome = validateMessage(InferenceRequestV1, minimal);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(outcome.value).toMatchObject({ mode: 'auto', stream: false, cache: true });
    expect(outcome.value.id).toBeUndefined();
    expect(JSON.parse(JSON.stringify(outcome.value))).toEqual({ ...minimal, mode: 'auto', stream: false, cache: true });
  });

  it('passes the provider body through as the same object', () => {
    const plain = sampleRequest();
    const outcome = validateMessage(InferenceRequestV1, plain);
    if (!outcome.ok) throw new Error('expected valid');
    expect(outcome.value.body).toBe(plain.body);
  });

  it.each([
    ['empty', ''],
    ['too long', 'x'.repeat(65)],
    ['with a dot', 'a.b'],
    ['with a space', 'a b'],
  ])('rejects an id that is %s', (_label, id) => {
    expect(only(sampleRequest({ id }))).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'id' });
  });

  it('accepts a 64-character id', () => {
    expect(validateMessage(InferenceRequestV1, sampleRequest({ id: 'A_-9'.repeat(16) })).ok).toBe(true);
  });

  it('gives tenant problems their own codes', () => {
    expect(only({ ...minimal, tenant: undefined })).toEqual({ code: ErrorCode.MISSING_TENANT, message: 'tenant is required', field: 'tenant' });
    expect(only({ ...minimal, tenant: 'Acme' })).toMatchObject({ code: ErrorCode.INVALID_TENANT, field: 'tenant' });
    expect(only({ ...minimal, tenant: '-acme' })).toMatchObject({ code: ErrorCode.INVALID_TENANT, field: 'tenant' });
    expect(only({ ...minimal, tenant: 42 })).toMatchObject({ code: ErrorCode.INVALID_TENANT, field: 'tenant' });
  });

  it('names body.model when the body lacks a model', () => {
    expect(only({ ...minimal, body: { messages: [] } })).toEqual({ code: ErrorCode.MISSING_FIELD, message: 'body.model is required', field: 'body.model' });
    expect(only({ ...minimal, body: { model: 7 } })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'body.model' });
    expect(only({ ...minimal, body: { model: '' } })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'body.model' });
  });

  it('names body when the body is not an object', () => {
    expect(only({ ...minimal, body: 'hello' })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'body' });
    expect(only({ ...minimal, body: [{ model: 'x' }] })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'body' });
    expect(only({ ...minimal, body: undefined })).toMatchObject({ code: ErrorCode.MISSING_FIELD, field: 'body' });
  });

  it('does not inspect the provider body beyond its model and service tier', () => {
    expect(validateMessage(InferenceRequestV1, { ...minimal, body: { model: 'm', anything: { nested: [1, null] } } }).ok).toBe(true);
  });

  it.each([
    ['openai', 'priority'],
    ['openai', 'flex'],
    ['openai', null],
    ['anthropic', 'auto'],
  ])('refuses a %s body that sets service_tier %s: Sluice picks the tier', (provider, serviceTier) => {
    expect(only({ ...minimal, provider, body: { ...minimal.body, service_tier: serviceTier } })).toEqual({
      code: ErrorCode.INVALID_FIELD,
      message: "body.service_tier must not be set: Sluice picks the service tier from the request's deadline (flex or standard by the lane it routes to)",
      field: 'body.service_tier',
    });
  });

  it('names body.model and body.service_tier apart when both are wrong', () => {
    expect(
      errorsOf({ ...minimal, body: { service_tier: 'priority' } })
        .map((error) => [error.field, error.code])
        .sort(),
    ).toEqual([
      ['body.model', ErrorCode.MISSING_FIELD],
      ['body.service_tier', ErrorCode.INVALID_FIELD],
    ]);
  });

  it('leaves n to the provider, whose reported usage prices every choice', () => {
    expect(validateMessage(InferenceRequestV1, { ...minimal, provider: 'openai', body: { model: 'gpt-4o-mini', messages: [], n: 3 } }).ok).toBe(true);
  });

  it.each([
    ['provider', 'gemini'],
    ['operation', 'classify'],
    ['mode', 'fast'],
  ])('rejects an unknown %s', (field, value) => {
    expect(only({ ...minimal, [field]: value })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field });
  });

  describe('deadline and maxLatencyMs', () => {
    it('accepts either one', () => {
      expect(validateMessage(InferenceRequestV1, { ...minimal, deadline: '2030-01-01T00:00:00.5+05:30' }).ok).toBe(true);
      expect(validateMessage(InferenceRequestV1, { ...minimal, maxLatencyMs: 250 }).ok).toBe(true);
    });

    it('refuses both together, on maxLatencyMs', () => {
      expect(only({ ...minimal, deadline: '2030-01-01T00:00:00Z', maxLatencyMs: 250 })).toEqual({
        code: ErrorCode.INVALID_FIELD,
        message: 'maxLatencyMs and deadline are mutually exclusive; give one of them',
        field: 'maxLatencyMs',
      });
    });

    it.each([
      ['zero', 0],
      ['negative', -5],
      ['fractional', 1.5],
      ['a string', '250'],
      ['beyond 30 days', 31 * 24 * 3600 * 1000],
    ])('rejects a maxLatencyMs that is %s', (_label, maxLatencyMs) => {
      expect(only({ ...minimal, maxLatencyMs })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'maxLatencyMs' });
    });

    it.each([
      ['without an offset', '2030-01-01T00:00:00'],
      ['date only', '2030-01-01'],
      ['not a calendar date', '2030-02-30T00:00:00Z'],
      ['free text', 'tomorrow'],
      ['epoch millis', 1893456000000],
    ])('rejects a deadline %s', (_label, deadline) => {
      expect(only({ ...minimal, deadline })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'deadline' });
    });

    it('requires notBefore to come before the deadline, comparing instants across offsets', () => {
      const deadline = '2030-01-01T00:00:00Z';
      expect(only({ ...minimal, deadline, notBefore: '2030-01-01T03:00:00+02:00' })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'notBefore' });
      expect(only({ ...minimal, deadline, notBefore: '2030-01-01T02:00:00+02:00' })).toMatchObject({ field: 'notBefore' });
      expect(validateMessage(InferenceRequestV1, { ...minimal, deadline, notBefore: '2030-01-01T01:00:00+02:00' }).ok).toBe(true);
    });

    it('resolves the absolute deadline', () => {
      const receivedAt = new Date('2030-01-01T00:00:00Z');
      expect(resolveDeadline({ deadline: '2030-01-01T05:00:00+05:00' }, receivedAt)).toBe('2030-01-01T00:00:00.000Z');
      expect(resolveDeadline({ maxLatencyMs: 1500 }, receivedAt)).toBe('2030-01-01T00:00:01.500Z');
      expect(resolveDeadline({}, receivedAt)).toBeUndefined();
    });
  });

  describe('webhook', () => {
    it.each(['https://hooks.example.com/x?y=1', 'http://localhost:8080/hook', 'http://127.0.0.1/hook', 'http://[::1]:9000/'])('accepts %s', (url) => {
      expect(validateMessage(InferenceRequestV1, { ...minimal, webhook: { url } }).ok).toBe(true);
    });

    it.each([
      'http://hooks.example.com/x',
      'ftp://hooks.example.com/x',
      'https://user:pass@hooks.example.com/x',
      'HTTPS://hooks.example.com/x',
      'hooks.example.com',
      `https://example.com/${'x'.repeat(2048)}`,
    ])('rejects webhook url #%#', (url) => {
      expect(only({ ...minimal, webhook: { url } })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'webhook.url' });
    });

    it('requires webhook.url when a webhook is given', () => {
      expect(only({ ...minimal, webhook: {} })).toEqual({ code: ErrorCode.MISSING_FIELD, message: 'webhook.url is required', field: 'webhook.url' });
    });
  });

  describe('replyTo', () => {
    it('accepts a topic of the caller', () => {
      expect(validateMessage(InferenceRequestV1, { ...minimal, replyTo: 'acme.scoring-replies_v2' }).ok).toBe(true);
    });

    it.each(['sluice.results.v1', 'sluice.dlq.v1', 'has space', 'a/b', '', '.', '..', 'x'.repeat(250)])('rejects replyTo #%#', (replyTo) => {
      expect(only({ ...minimal, replyTo })).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'replyTo' });
    });

    it.each(['__consumer_offsets', '__transaction_state', '__anything'])('rejects the internal topic %s', (replyTo) => {
      expect(only({ ...minimal, replyTo })).toEqual({
        code: ErrorCode.INVALID_FIELD,
        message: expect.stringContaining('not an internal one (starting with __)'),
        field: 'replyTo',
      });
    });

    it('accepts names that only contain underscores, and 249 characters', () => {
      expect(validateMessage(InferenceRequestV1, { ...minimal, replyTo: '_acme__replies_' }).ok).toBe(true);
      expect(validateMessage(InferenceRequestV1, { ...minimal, replyTo: 'x'.repeat(249) }).ok).toBe(true);
    });
  });

  describe('metadata', () => {
    it('accepts up to 32 short string pairs', () => {
      const metadata = Object.fromEntries(Array.from({ length: 32 }, (_, i) => [`k${i}`, 'v'.repeat(1024)]));
      expect(validateMessage(InferenceRequestV1, { ...minimal, metadata }).ok).toBe(true);
    });

    it.each([
      ['a non-string value', { a: 1 }, /metadata\.a must be a string/],
      ['too many entries', Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, 'v'])), /at most 32 entries/],
      ['a bad key', { 'a b': 'v' }, /key "a b"/],
      ['a long value', { a: 'v'.repeat(1025) }, /metadata\.a must be at most 1024/],
      ['an array', ['a'], /must be an object/],
    ])('rejects %s', (_label, metadata, message) => {
      const error = only({ ...minimal, metadata });
      expect(error).toMatchObject({ code: ErrorCode.INVALID_FIELD, field: 'metadata' });
      expect(error.message).toMatch(message);
    });
  });

  it('rejects non-boolean stream and cache flags', () => {
    expect(errorsOf({ ...minimal, stream: 'yes', cache: 0 }).map((e) => e.field)).toEqual(['stream', 'cache']);
  });
});

describe('validateRequest', () => {
  /** A request whose body holds `levels` arrays one inside the other, parsed from its text as a producer's would be. */
  function deepRequest(levels: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
    const messages = `${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}`;
    return { ...(JSON.parse(`{"model":"gpt-4o-mini","messages":${messages}}`) as object), ...overrides };
  }

  it('validates a request as InferenceRequestV1 does', () => {
    expect(validateRequest(sampleRequest())).toEqual(validateMessage(InferenceRequestV1, sampleRequest()));
    expect(validateRequest({ ...minimal, mode: 'fast' })).toEqual(validateMessage(InferenceRequestV1, { ...minimal, mode: 'fast' }));
    expect(validateRequest('hello')).toEqual(validateMessage(InferenceRequestV1, 'hello'));
  });

  it('accepts a body nested MAX_FIELD_NESTING levels deep', () => {
    expect(validateRequest({ ...minimal, body: deepRequest(MAX_FIELD_NESTING) }).ok).toBe(true);
  });

  it.each([MAX_FIELD_NESTING + 1, 3_000, 100_000])('refuses a body nested %i levels deep by name, without throwing', (levels) => {
    expect(validateRequest({ ...minimal, body: deepRequest(levels) })).toEqual({
      ok: false,
      errors: [{ code: ErrorCode.INVALID_FIELD, message: `body nests arrays and objects more than ${MAX_FIELD_NESTING} levels deep`, field: 'body' }],
    });
  });

  it("still reports the request's other problems, its tenant's first of all", () => {
    const outcome = validateRequest({ ...minimal, tenant: 'Not A Tenant', mode: 'fast', body: deepRequest(3_000, { model: 7 }) });
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((error) => [error.field, error.code])).toEqual([
      ['body', ErrorCode.INVALID_FIELD],
      ['tenant', ErrorCode.INVALID_TENANT],
      ['mode', ErrorCode.INVALID_FIELD],
    ]);
  });
});
