import type { ProviderUsage } from '../realtime.interface';

export interface AnthropicUsageBody {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/**
 * Anthropic's `input_tokens` excludes the tokens read from or written to the prompt cache; Sluice's
 * `inputTokens` counts every input token, cached ones included. Cache writes therefore land in
 * `inputTokens` at the plain input rate, a slight under-count of Anthropic's 1.25x write price that the
 * shared price model accepts.
 */
export function anthropicUsage(usage: AnthropicUsageBody | null | undefined): ProviderUsage {
  const cacheRead = usage?.cache_read_input_tokens ?? 0;
  const cacheWrite = usage?.cache_creation_input_tokens ?? 0;
  return {
    inputTokens: (usage?.input_tokens ?? 0) + cacheRead + cacheWrite,
    outputTokens: usage?.output_tokens ?? 0,
    cachedInputTokens: cacheRead,
  };
}
