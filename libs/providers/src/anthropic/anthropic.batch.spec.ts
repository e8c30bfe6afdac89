import type { MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import { ProviderError } from '../errors/provider-error';
import { anthropicBatchResult, anthropicBatchState, buildAnthropicBatchLine } from './anthropic.batch';

describe('buildAnthropicBatchLine', () => {
  it('builds a request line and drops what the 2026-10-21 API refuses', () => {
    const body = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }], temperature: 0.2, top_p: 1, top_k: 5, stream: true };
    const text = buildAnthropicBatchLine('req_1', body, 'chat').toString('utf8');
    expect(text.endsWith('\n')).toBe(true);
    expect(JSON.parse(text)).toEqual({
      custom_id: 'req_1',
      params: { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] },
    });
  });

  it.each(['', 'has space', 'a'.repeat(65), 'dot.ted'])('refuses custom_id %j', (customId) => {
    expect(() => buildAnthropicBatchLine(customId, { model: 'claude-haiku-4-5', max_tokens: 1, messages: [] }, 'chat')).toThrow(/custom_id/);
  });

  it('refuses embeddings and max_tokens 0', () => {
    const unsupported = (): Buffer => buildAnthropicBatchLine('x', { model: 'claude-haiku-4-5' }, 'embedding');
    expect(unsupported).toThrow(ProviderError);
    expect(unsupported).toThrow(/chat only/);
    expect(() => buildAnthropicBatchLine('x', { model: 'claude-haiku-4-5', max_tokens: 0, messages: [] }, 'chat')).toThrow(/max_tokens 0/);
  });
});

function batch(overrides: Partial<MessageBatch>, counts: Partial<MessageBatch['request_counts']> = {}): MessageBatch {
  return {
    id: 'msgbatch_1',
    type: 'message_batch',
    processing_status: 'in_progress',
    request_counts: { processing: 0, succeeded: 0, errored: 0, canceled: 0, expired: 0, ...counts },
    created_at: '2026-10-01T00:00:00Z',
    expires_at: '2026-10-02T00:00:00Z',
    ended_at: null,
    archived_at: null,
    cancel_initiated_at: null,
    results_url: null,
    ...overrides,
  };
}

describe('anthropicBatchState', () => {
  it('counts every request as total while processing', () => {
    expect(anthropicBatchState(batch({}, { processing: 200 }))).toMatchObject({
      status: 'in_progress',
      counts: { total: 200, completed: 0, failed: 0 },
    });
  });

  it('reports an ended batch as completed, with failures summed', () => {
    const ended = batch({ processing_status: 'ended' }, { succeeded: 7, errored: 2, canceled: 1 });
    expect(anthropicBatchState(ended)).toMatchObject({ status: 'completed', counts: { total: 10, completed: 7, failed: 3 } });
  });

  it('reports cancelling, cancelled and expired batches', () => {
    expect(anthropicBatchState(batch({ processing_status: 'canceling' })).status).toBe('cancelling');
    const cancelled = batch({ processing_status: 'ended', cancel_initiated_at: '2026-10-01T00:01:00Z' }, { canceled: 3 });
    expect(anthropicBatchState(cancelled).status).toBe('cancelled');
    expect(anthropicBatchState(batch({ processing_status: 'ended' }, { succeeded: 1, expired: 1 })).status).toBe('expired');
  });
});

describe('anthropicBatchResult', () => {
  it('reads a succeeded line with normalised usage', () => {
    const message = { id: 'msg_1', usage: { input_tokens: 10, output_tokens: 4, cache_read_input_tokens: 6, cache_creation_input_tokens: 0 } };
    // Only the fields the mapping reads; a full Message has many more.
    const line = { custom_id: 'a', result: { type: 'succeeded', message } } as unknown as MessageBatchIndividualResponse;
    const result = anthropicBatchResult(line);
    expect(result).toEqual({
      customId: 'a',
      ok: true,
      response: message,
      usage: { inputTokens: 16, outputTokens: 4, cachedInputTokens: 6 },
      providerRequestId: null,
    });
  });

  it('reads errored, canceled and expired lines as failures', () => {
    const errored = anthropicBatchResult({
      custom_id: 'b',
      result: { type: 'errored', error: { type: 'error', error: { type: 'invalid_request_error', message: 'bad' }, request_id: 'req_b' } },
    });
    expect(errored).toMatchObject({ ok: false, error: { kind: 'invalid_request', code: 'invalid_request_error', providerRequestId: 'req_b' } });
    expect(anthropicBatchResult({ custom_id: 'c', result: { type: 'canceled' } })).toMatchObject({
      customId: 'c',
      ok: false,
      error: { code: 'batch_cancelled' },
    });
    expect(anthropicBatchResult({ custom_id: 'd', result: { type: 'expired' } })).toMatchObject({
      ok: false,
      error: { code: 'batch_expired', kind: 'retryable' },
    });
  });
});
