import type { ProviderName } from '../pricing/pricing';
import { ProviderError } from '../errors/provider-error';

/** The model named by a pass-through body; a body without one is refused before any call. */
export function requireModel(provider: ProviderName, body: Record<string, unknown>): string {
  const model = body.model;
  if (typeof model !== 'string' || model.length === 0) {
    throw new ProviderError({
      kind: 'invalid_request',
      provider,
      message: 'the request body has no model',
      code: 'missing_model',
      providerRequestId: null,
    });
  }
  return model;
}
