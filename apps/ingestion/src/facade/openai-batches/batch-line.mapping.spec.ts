import { batchLineOf } from './batch-line.mapping';

const ENDPOINT = '/v1/chat/completions';
const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ custom_id: 'q-1', method: 'POST', url: ENDPOINT, body: { model: 'gpt-4o-mini', messages: [] }, ...fields });

describe('batchLineOf', () => {
  it('makes a line a Sluice request for the endpoint, its custom_id in the metadata', () => {
    const seen = new Set<string>();
    expect(batchLineOf(line({}), 1, ENDPOINT, seen)).toEqual({
      ok: true,
      customId: 'q-1',
      request: {
        provider: 'openai',
        operation: 'chat',
        body: { model: 'gpt-4o-mini', messages: [] },
        metadata: { 'sluice.facade': 'openai.batch', custom_id: 'q-1' },
      },
    });
    expect(seen).toEqual(new Set(['q-1']));
    const embedding = batchLineOf(line({ url: '/v1/embeddings', body: { model: 'e', input: 'x' } }), 1, '/v1/embeddings', new Set());
    expect(embedding).toMatchObject({ ok: true, request: { operation: 'embedding' } });
  });

  it.each([
    ['{not json', 'invalid_json_line', null],
    ['[1]', 'invalid_json_line', null],
    [line({ custom_id: undefined }), 'missing_required_parameter', 'custom_id'],
    [line({ custom_id: 'x'.repeat(513) }), 'invalid_custom_id', 'custom_id'],
    [line({ method: 'GET' }), 'invalid_method', 'method'],
    [line({ url: '/v1/embeddings' }), 'invalid_url', 'url'],
    [line({ body: 'text' }), 'invalid_body', 'body'],
  ])('fails the batch for %s with %s, naming the line', (text, code, param) => {
    expect(batchLineOf(text, 7, ENDPOINT, new Set())).toEqual({
      ok: false,
      error: { code, message: expect.stringContaining('line 7') as unknown, line: 7, param },
    });
  });

  it('refuses a custom_id an earlier line used', () => {
    const seen = new Set<string>();
    expect(batchLineOf(line({}), 1, ENDPOINT, seen).ok).toBe(true);
    expect(batchLineOf(line({}), 2, ENDPOINT, seen)).toMatchObject({ ok: false, error: { code: 'duplicate_custom_id', line: 2 } });
  });
});
