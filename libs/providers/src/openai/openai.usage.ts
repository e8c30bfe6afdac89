import type { ProviderUsage } from '../realtime.interface';

/** `usage` of a chat completion or of an embeddings response, as OpenAI sends it (fields may be absent). */
export interface OpenAIUsageBody {
  prompt_tokens?: number | null;
  completion_tokens?: number | null;
  prompt_tokens_details?: { cached_tokens?: number | null } | null;
}

/** OpenAI counts cached tokens inside `prompt_tokens`, which is already the shape Sluice uses. */
export function openAIUsage(usage: OpenAIUsageBody | null | undefined): ProviderUsage {
  return {
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}
