/**
 * How many inputs an embeddings body counts for against the provider's per-batch input limit: a
 * string or one token array is one; an array of strings or of token arrays is one per element.
 */
export function embeddingInputs(body: Record<string, unknown>): number {
  const input = body.input;
  if (!Array.isArray(input)) return 1;
  if (input.length === 0) return 1;
  return typeof input[0] === 'number' ? 1 : input.length;
}
