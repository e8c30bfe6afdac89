import type { Batch } from 'openai/resources/batches';
import { ProviderError } from '../errors/provider-error';
import { buildOpenAIBatchLine, openAIBatchResult, openAIBatchState } from './openai.batch';

function parse(line: Buffer): unknown {
  const text = line.toString('utf8');
  expect(text.endsWith('\n')).toBe(true);
  expect(text.indexOf('\n')).toBe(text.length - 1);
  return JSON.parse(text);
}

describe('buildOpenAIBatchLine', () => {
  it('builds a chat completions line without streaming switches', () => {
    const body = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi\nthere' }], stream: true, stream_options: {} };
    expect(parse(buildOpenAIBatchLine('req-1', body, 'chat'))).toEqual({
      custom_id: 'req-1',
      method: 'POST',
      url: '/v1/chat/completions',
      body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi\nthere' }] },
    });
  });

  it('targets the embeddings endpoint for embeddings', () => {
    const line = parse(buildOpenAIBatchLine('e1', { model: 'text-embedding-3-small', input: ['a', 'b'] }, 'embedding'));
    expect(line).toMatchObject({ url: '/v1/embeddings', body: { input: ['a', 'b'] } });
  });

  it('keeps non-ASCII text intact as UTF-8', () => {
    const line = buildOpenAIBatchLine('u', { model: 'gpt-4o', messages: [{ role: 'user', content: 'héllo ✓' }] }, 'chat');
    expect(line.byteLength).toBeGreaterThan(line.toString('utf8').length);
    expect(JSON.stringify(parse(line))).toContain('héllo ✓');
  });

  it('refuses a line without custom_id or model', () => {
    expect(() => buildOpenAIBatchLine('', { model: 'gpt-4o' }, 'chat')).toThrow(ProviderError);
    expect(() => buildOpenAIBatchLine('x', { messages: [] }, 'chat')).toThrow(/no model/);
  });
});

function batch(overrides: Partial<Batch>): Batch {
  return {
    id: 'batch_1',
    object: 'batch',
    endpoint: '/v1/chat/completions',
    input_file_id: 'file_1',
    completion_window: '24h',
    status: 'in_progress',
    created_at: 1_790_000_000,
    ...overrides,
  } as Batch;
}

describe('openAIBatchState', () => {
  it('keeps the status and the request counts', () => {
    const state = openAIBatchState(batch({ status: 'finalizing', request_counts: { total: 10, completed: 8, failed: 2 } }));
    expect(state).toMatchObject({ batchId: 'batch_1', status: 'finalizing', counts: { total: 10, completed: 8, failed: 2 } });
  });

  it('reports zero counts while the batch is validating', () => {
    expect(openAIBatchState(batch({ status: 'validating' })).counts).toEqual({ total: 0, completed: 0, failed: 0 });
  });

  it('refuses a status it does not know', () => {
    expect(() => openAIBatchState(batch({ status: 'paused' as Batch['status'] }))).toThrow(/unknown status/);
  });
});

describe('openAIBatchResult', () => {
  it('reads a successful line with its usage and request id', () => {
    const body = { id: 'chatcmpl-1', usage: { prompt_tokens: 10, completion_tokens: 5, prompt_tokens_details: { cached_tokens: 4 } } };
    const result = openAIBatchResult({
      id: 'batch_req_1',
      custom_id: 'c1',
      response: { status_code: 200, request_id: 'req_1', body },
      error: null,
    });
    expect(result).toEqual({
      customId: 'c1',
      ok: true,
      response: body,
      usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 4 },
      providerRequestId: 'req_1',
    });
  });

  it('reads an HTTP failure from the error file', () => {
    const result = openAIBatchResult({
      custom_id: 'c2',
      response: {
        status_code: 404,
        request_id: 'req_2',
        body: { error: { message: 'The model `gpt-9` does not exist', type: 'invalid_request_error', param: null, code: 'model_not_found' } },
      },
      error: null,
    });
    expect(result).toEqual({
      customId: 'c2',
      ok: false,
      error: expect.objectContaining({ kind: 'model_unknown', status: 404, code: 'model_not_found', providerRequestId: 'req_2' }),
    });
  });

  it('reads an expired request as retryable with the provider code', () => {
    const result = openAIBatchResult({
      id: 'batch_req_123',
      custom_id: 'request-3',
      response: null,
      error: { code: 'batch_expired', message: 'This request could not be executed before the completion window expired.' },
    });
    expect(result).toMatchObject({ customId: 'request-3', ok: false, error: { kind: 'retryable', code: 'batch_expired' } });
  });
});
