import { base64Embedding, embeddingsCallOf, embeddingsResponseAs } from './openai-embeddings.mapping';

describe('embeddingsCallOf', () => {
  it("asks the provider for floats whatever the caller's format", () => {
    expect(embeddingsCallOf({ model: 'e', input: 'hi', encoding_format: 'base64' })).toEqual({
      ok: true,
      value: { body: { model: 'e', input: 'hi' }, format: 'base64' },
    });
    expect(embeddingsCallOf({ model: 'e', input: 'hi' })).toMatchObject({ ok: true, value: { format: 'float' } });
  });

  it('refuses another format, naming it', () => {
    expect(embeddingsCallOf({ model: 'e', input: 'hi', encoding_format: 'int8' })).toMatchObject({ ok: false, param: 'encoding_format' });
    expect(embeddingsCallOf('hi')).toMatchObject({ ok: false, param: null });
  });
});

describe('embeddings in base64', () => {
  it('is little-endian float32, as the SDK decodes it', () => {
    const encoded = base64Embedding([0.5, -0.25, 1]);
    const bytes = Buffer.from(encoded, 'base64');
    expect(bytes).toHaveLength(12);
    expect([0, 4, 8].map((offset) => bytes.readFloatLE(offset))).toEqual([0.5, -0.25, 1]);
  });

  it('replaces each vector and keeps the rest of the response', () => {
    const response = { object: 'list', data: [{ object: 'embedding', index: 0, embedding: [0.5] }], model: 'e', usage: { prompt_tokens: 1, total_tokens: 1 } };
    expect(embeddingsResponseAs(response, 'float')).toBe(response);
    expect(embeddingsResponseAs(response, 'base64')).toEqual({ ...response, data: [{ object: 'embedding', index: 0, embedding: base64Embedding([0.5]) }] });
  });
});
