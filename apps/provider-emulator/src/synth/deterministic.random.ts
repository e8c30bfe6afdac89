import { createHash } from 'node:crypto';

/** A 32-bit seed derived from the given parts; the same parts always give the same seed. */
export function seedOf(...parts: ReadonlyArray<string | number>): number {
  const hash = createHash('sha1');
  for (const part of parts) {
    hash.update(String(part));
    hash.update('\u0000');
  }
  return hash.digest().readUInt32LE(0);
}

/** mulberry32: tiny, fast and good enough to make synthetic text and vectors look varied. */
export function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A number in [0, 1) fixed by its parts: decisions that must not depend on call order. */
export function unitOf(...parts: ReadonlyArray<string | number>): number {
  return seedOf(...parts) / 4294967296;
}
