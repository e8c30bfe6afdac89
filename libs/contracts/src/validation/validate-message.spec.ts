import { ErrorCode } from '../errors/error-code.enum';
import { InferenceRequestV1 } from '../request/inference-request.v1';
import { InferenceResultV1 } from '../result/inference-result.v1';
import { sampleRequest, sampleResult } from '../testing/message.samples';
import { validateMessage } from './validate-message';

describe('validateMessage', () => {
  it.each([
    ['null', null],
    ['an array', [sampleRequest()]],
    ['a string', 'hello'],
    ['a number', 42],
  ])('rejects %s as a whole message', (_label, plain) => {
    expect(validateMessage(InferenceRequestV1, plain)).toEqual({
      ok: false,
      errors: [{ code: ErrorCode.VALIDATION_FAILED, message: 'the message must be a JSON object', field: '' }],
    });
  });

  it('returns an instance of the class on success', () => {
    const outcome = validateMessage(InferenceRequestV1, sampleRequest());
    expect(outcome.ok).toBe(true);
    if (outcome.ok) expect(outcome.value).toBeInstanceOf(InferenceRequestV1);
  });

  it('reports every problem at once, each with its dotted field path', () => {
    const outcome = validateMessage(
      InferenceResultV1,
      sampleResult({ usage: { inputTokens: -1, outputTokens: 'many' }, timings: { receivedAt: 'yesterday', completedAt: '2030-01-01T00:00:00Z' } }),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((e) => e.field).sort()).toEqual(['timings.receivedAt', 'usage.inputTokens', 'usage.outputTokens']);
    expect(outcome.errors.every((e) => e.code === ErrorCode.INVALID_FIELD)).toBe(true);
    expect(outcome.errors.find((e) => e.field === 'usage.inputTokens')?.message).toMatch(/^usage\.inputTokens /);
  });

  it('rejects unknown fields at the top level and in nested objects', () => {
    const outcome = validateMessage(InferenceRequestV1, sampleRequest({ priority: 'high', webhook: { url: 'https://a.example', secret: 's' } }));
    expect(outcome).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { code: ErrorCode.UNKNOWN_FIELD, message: 'priority is not a known field', field: 'priority' },
        { code: ErrorCode.UNKNOWN_FIELD, message: 'webhook.secret is not a known field', field: 'webhook.secret' },
      ]),
    });
    if (!outcome.ok) expect(outcome.errors).toHaveLength(2);
  });

  it('tells a missing field from an invalid one', () => {
    const { operation: _operation, ...withoutOperation } = sampleRequest();
    const outcome = validateMessage(InferenceRequestV1, { ...withoutOperation, provider: 'gemini' });
    expect(outcome).toEqual({
      ok: false,
      errors: expect.arrayContaining([
        { code: ErrorCode.MISSING_FIELD, message: 'operation is required', field: 'operation' },
        expect.objectContaining({ code: ErrorCode.INVALID_FIELD, field: 'provider' }),
      ]),
    });
  });

  it('treats null as a value to validate, not as absent', () => {
    const outcome = validateMessage(InferenceRequestV1, sampleRequest({ mode: null, deadline: null }));
    expect(outcome.ok).toBe(false);
    if (!outcome.ok)
      expect(outcome.errors.map((e) => [e.field, e.code])).toEqual([
        ['mode', ErrorCode.INVALID_FIELD],
        ['deadline', ErrorCode.INVALID_FIELD],
      ]);
  });

  it('reports a nested object given as an array or a scalar once, on the object', () => {
    for (const webhook of [[{ url: 'https://a.example' }], 'https://a.example']) {
      const outcome = validateMessage(InferenceRequestV1, sampleRequest({ webhook }));
      expect(outcome).toEqual({ ok: false, errors: [{ code: ErrorCode.INVALID_FIELD, message: 'webhook must be an object', field: 'webhook' }] });
    }
  });
});
