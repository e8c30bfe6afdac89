import { findModelPrice, type ModelPrice, type ProviderName } from '@sluice/providers';

// Native widths of OpenAI's embedding models; a model the table does not know gets 1536.
const NATIVE_DIMENSIONS: Record<string, number> = {
  'text-embedding-3-small': 1536,
  'text-embedding-3-large': 3072,
  'text-embedding-ada-002': 1536,
};

/**
 * The models the emulator serves are exactly those in the shared pricing catalog: anything else is
 * a 404, as from the real provider, and everything served can be billed.
 */
export function findServedModel(provider: ProviderName, model: string): ModelPrice | undefined {
  return findModelPrice(provider, model);
}

export function nativeEmbeddingDimensions(price: ModelPrice): number {
  return NATIVE_DIMENSIONS[price.model] ?? 1536;
}

/** Only the text-embedding-3 family accepts `dimensions`. */
export function acceptsDimensions(price: ModelPrice): boolean {
  return price.model.startsWith('text-embedding-3');
}
