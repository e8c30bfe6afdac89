import { ErrorCode } from '../errors/error-code.enum';
import { sampleFailedResult, sampleResult } from '../testing/message.samples';
import { validateMessage } from '../validation/validate-message';
import { InferenceResultV1, resultIdFor } from './inference-result.v1';

describe('InferenceResultV1', () => {
  it('accepts a succeeded and a failed result', () => {
    expect(validateMessage(InferenceResultV1, sampleResult()).ok).toBe(true);
    expect(validateMessage(InferenceResultV1, sampleFailedResult()).ok).toBe(true);
  });

  it('requires the response when it succeeded and the error when it failed', () => {
    const { response: _response, ...noResponse } = sampleResult();
    expect(validateMessage(InferenceResultV1, noResponse)).toEqual({
      ok: false,
      errors: [{ code: ErrorCode.MISSING_FIELD, message: 'response is required', field: 'response' }],
    });
    const { error: _error, ...noError } = sampleFailedResult();
    expect(validateMessage(InferenceResultV1, noError)).toEqual({
      ok: false,
      errors: [{ code: ErrorCode.MISSING_FIELD, message: 'error is required', field: 'error' }],
    });
  });

  it('validates the nested error, usage, cost and timings with dotted paths', () => {
    const outcome = validateMessage(
      InferenceResultV1,
      sampleFailedResult({
        error: { code: 'SOMETHING', message: 'x' },
        cost: { usd: -1, realtimeUsd: 0, savedUsd: Number.NaN },
        timings: { receivedAt: '2030-01-01T00:00:00Z' },
      }),
    );
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.errors.map((e) => `${e.code}:${e.field}`).sort()).toEqual(
      [
        'INVALID_FIELD:error.code',
        'MISSING_FIELD:error.retryable',
        'INVALID_FIELD:cost.usd',
        'INVALID_FIELD:cost.savedUsd',
        'MISSING_FIELD:timings.completedAt',
      ].sort(),
    );
  });

  it('keeps the provider response as the same object', () => {
    const plain = sampleResult();
    const outcome = validateMessage(InferenceResultV1, plain);
    if (!outcome.ok) throw new Error('expected valid');
    expect(outcome.value.response).toBe(plain.response);
  });

  it('accepts the cache lane and a negative saving', () => {
    expect(validateMessage(InferenceResultV1, sampleResult({ lane: 'cache', cost: { usd: 0.2, realtimeUsd: 0.1, savedUsd: -0.1 } })).ok).toBe(true);
  });

  it('derives result ids that differ by lane and attempt only', () => {
    expect(resultIdFor('acme', 'req-1', 'batch')).toBe('acme.req-1.batch.1');
    expect(resultIdFor('acme', 'req-1', 'realtime', 2)).toBe('acme.req-1.realtime.2');
    expect(validateMessage(InferenceResultV1, sampleResult({ resultId: resultIdFor('acme', 'req-1', 'realtime', 2) })).ok).toBe(true);
  });
});
