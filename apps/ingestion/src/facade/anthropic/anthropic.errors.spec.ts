import { anthropicErrorBody, anthropicFailure, anthropicFailureOf } from './anthropic.errors';

describe("Anthropic's error shape", () => {
  it('types errors by status, the field leading the message', () => {
    expect(anthropicFailure('VALIDATION_FAILED', 'must be an array', { field: 'body.messages' })).toEqual({
      status: 400,
      type: 'invalid_request_error',
      message: 'messages: must be an array',
    });
    expect(anthropicFailure('UNAUTHENTICATED', 'send an API key')).toMatchObject({ status: 401, type: 'authentication_error' });
    expect(anthropicFailure('PROVIDER_RATE_LIMITED', 'slow down')).toMatchObject({ status: 429, type: 'rate_limit_error' });
    expect(anthropicFailure('DEADLINE_EXCEEDED', 'late')).toMatchObject({ status: 504, type: 'timeout_error' });
  });

  it('does not name the field twice when the message already does', () => {
    expect(anthropicFailure('VALIDATION_FAILED', 'body.model: unknown', { field: 'body.model' }).message).toBe('model: body.model: unknown');
    expect(anthropicFailure('VALIDATION_FAILED', 'model: unknown', { field: 'body.model' }).message).toBe('model: unknown');
  });

  it('answers an unknown model 404 and a draining service 503', () => {
    expect(anthropicFailureOf({ kind: 'refused', status: 400, error: { code: 'MODEL_UNKNOWN', message: 'no such model' } })).toMatchObject({
      status: 404,
      type: 'not_found_error',
    });
    expect(anthropicFailureOf({ kind: 'unavailable', message: 'draining' })).toMatchObject({ status: 503, type: 'overloaded_error' });
  });

  it('carries the request id in the body', () => {
    expect(anthropicErrorBody({ status: 404, type: 'not_found_error', message: 'gone' }, 'req_1')).toEqual({
      type: 'error',
      error: { type: 'not_found_error', message: 'gone' },
      request_id: 'req_1',
    });
  });
});
