import type { ProviderRequestBody } from '@sluice/contracts';
import type { Parsed } from './openai-chat.mapping';

export type EncodingFormat = 'float' | 'base64';

export interface EmbeddingsCall {
  body: ProviderRequestBody;
  format: EncodingFormat;
}

/**
 * An embeddings call as Sluice takes it: the provider is always asked for floats and the caller's
 * `encoding_format` applied to the answer, so one answer (and its cache entry) serves both forms.
 * The SDK asks for base64 unless told otherwise.
 */
export function embeddingsCallOf(json: unknown): Parsed<EmbeddingsCall> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, message: 'the request body must be a JSON object', param: null };
  const { encoding_format: format, ...body } = json as Record<string, unknown>;
  if (format !== undefined && format !== null && format !== 'float' && format !== 'base64') {
    return { ok: false, message: "encoding_format must be 'float' or 'base64'", param: 'encoding_format' };
  }
  return { ok: true, value: { body: body as ProviderRequestBody, format: format === 'base64' ? 'base64' : 'float' } };
}

/** Little-endian float32, base64: OpenAI's base64 form, which its SDK decodes. */
export function base64Embedding(vector: readonly number[]): string {
  const bytes = Buffer.alloc(vector.length * 4);
  vector.forEach((value, index) => bytes.writeFloatLE(value, index * 4));
  return bytes.toString('base64');
}

/** The provider's embeddings response in the caller's encoding. */
export function embeddingsResponseAs(response: Record<string, unknown>, format: EncodingFormat): Record<string, unknown> {
  if (format === 'float' || !Array.isArray(response.data)) return response;
  const data = (response.data as Array<Record<string, unknown>>).map((item) =>
    Array.isArray(item.embedding) ? { ...item, embedding: base64Embedding(item.embedding as number[]) } : item,
  );
  return { ...response, data };
}
