import { findModelPrice } from '../pricing/pricing';
import { ProviderError } from '../errors/provider-error';
import { requireModel } from '../body/request-body';
import type { RealtimeTier } from '../realtime.interface';

/**
 * A chat.completions body for one non-streaming call: the streaming switches are Sluice's to set, and
 * the flex tier is asked for only on models whose catalog entry prices it (OpenAI refuses it elsewhere).
 */
export function openAIChatBody(body: Record<string, unknown>, tier: RealtimeTier = 'standard'): Record<string, unknown> {
  const model = requireModel('openai', body);
  const { stream: _stream, stream_options: _streamOptions, ...rest } = body;
  if (tier !== 'flex') return rest;
  if (findModelPrice('openai', model)?.flexDiscount == null) {
    throw new ProviderError({
      kind: 'unsupported',
      provider: 'openai',
      message: `OpenAI model ${model} has no flex tier`,
      code: 'flex_unavailable',
      providerRequestId: null,
    });
  }
  return { ...rest, service_tier: 'flex' };
}
