import { requireModel } from '../body/request-body';
import { ProviderError } from '../errors/provider-error';
import type { RealtimeTier } from '../realtime.interface';

/**
 * Sampling parameters removed by Anthropic API version 2026-10-21, which `@anthropic-ai/sdk` 1.x always
 * speaks: the API answers 400 when any is present. Callers written against 2023-06-01 still send them,
 * so Sluice drops them rather than fail requests that are otherwise valid; the new API offers no
 * sampling control to preserve.
 */
export const REMOVED_SAMPLING_PARAMS = ['temperature', 'top_p', 'top_k'] as const;

/**
 * Above this `max_tokens` the SDK refuses a non-streaming call without an explicit timeout
 * (3600 s · max_tokens / 128,000 > 600 s), and such a call can hold an idle HTTP connection for minutes;
 * Sluice streams these instead and returns the same final Message.
 */
export const NONSTREAMING_MAX_TOKENS = Math.floor((600 * 128_000) / 3600);

/** A Messages body Sluice can send: no streaming switch (Sluice picks), no removed sampling parameters. */
export function anthropicMessagesBody(body: Record<string, unknown>, tier: RealtimeTier = 'standard'): Record<string, unknown> {
  const model = requireModel('anthropic', body);
  if (tier === 'flex') {
    throw new ProviderError({
      kind: 'unsupported',
      provider: 'anthropic',
      message: `Anthropic has no flex tier (model ${model})`,
      code: 'flex_unavailable',
      providerRequestId: null,
    });
  }
  const params: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(body)) {
    if (key === 'stream' || (REMOVED_SAMPLING_PARAMS as readonly string[]).includes(key)) continue;
    params[key] = value;
  }
  return params;
}

export function wantsLongOutput(body: Record<string, unknown>): boolean {
  return typeof body.max_tokens === 'number' && body.max_tokens > NONSTREAMING_MAX_TOKENS;
}
