import { openAIFailure, openAIFailureOf } from './openai.errors';

describe("OpenAI's error shape", () => {
  it('has all four fields, a type by status and the field as the provider names it', () => {
    expect(openAIFailure('VALIDATION_FAILED', 'messages must be an array', { field: 'body.messages' })).toEqual({
      status: 400,
      body: { error: { message: 'messages must be an array', type: 'invalid_request_error', param: 'messages', code: 'validation_failed' } },
    });
    expect(openAIFailure('UNAUTHENTICATED', 'send an API key')).toMatchObject({ status: 401, body: { error: { code: 'invalid_api_key', param: null } } });
    expect(openAIFailure('PROVIDER_RATE_LIMITED', 'slow down')).toMatchObject({
      status: 429,
      body: { error: { type: 'requests', code: 'rate_limit_exceeded' } },
    });
    expect(openAIFailure('DEADLINE_EXCEEDED', 'late')).toMatchObject({ status: 504, body: { error: { type: 'server_error' } } });
  });

  it('answers an unknown model 404, as OpenAI does, whatever status the refusal had', () => {
    const failure = openAIFailureOf({ kind: 'refused', status: 400, error: { code: 'MODEL_UNKNOWN', message: 'no such model', field: 'body.model' } });
    expect(failure).toEqual({
      status: 404,
      body: { error: { message: 'no such model', type: 'invalid_request_error', param: 'model', code: 'model_not_found' } },
    });
  });

  it('keeps the status of a refusal whose code has none of its own', () => {
    expect(openAIFailureOf({ kind: 'refused', status: 413, error: { code: 'SOMETHING_NEW', message: 'big' } }).status).toBe(413);
  });

  it('says where a call that ran out of time goes on', () => {
    const failure = openAIFailureOf({ kind: 'timed-out', requestId: 'req_1', waitedMs: 5_500 });
    expect(failure.status).toBe(504);
    expect(failure.body.error.message).toContain('GET /v1/requests/req_1');
  });
});
