import { prng } from './deterministic.random';

/**
 * A unit-length vector fixed by `seed`. Values are float32 so that the float and base64
 * encodings of one vector decode to exactly the same numbers. A shorter `dimensions` gives the
 * renormalised prefix of the longer vector, as OpenAI's text-embedding-3 models do.
 */
export function synthEmbedding(seed: number, dimensions: number): Float32Array {
  const next = prng(seed);
  const vector = new Float32Array(dimensions);
  let sumOfSquares = 0;
  for (let i = 0; i < dimensions; i += 1) {
    const value = next() * 2 - 1;
    vector[i] = value;
    sumOfSquares += value * value;
  }
  const norm = Math.sqrt(sumOfSquares) || 1;
  for (let i = 0; i < dimensions; i += 1) vector[i] = (vector[i] as number) / norm;
  return vector;
}

/** Base64 of the raw little-endian float32 bytes: what the OpenAI SDK decodes. */
export function embeddingToBase64(vector: Float32Array): string {
  const bytes = Buffer.from(vector.buffer, vector.byteOffset, vector.byteLength);
  if (isLittleEndianHost) return bytes.toString('base64');
  const swapped = Buffer.from(bytes);
  swapped.swap32();
  return swapped.toString('base64');
}

const isLittleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
