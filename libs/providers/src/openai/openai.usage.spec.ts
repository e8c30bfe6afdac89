import { openAIUsage } from './openai.usage';

describe('openAIUsage', () => {
  it('takes prompt and completion tokens, with cached tokens as part of the input', () => {
    const usage = { prompt_tokens: 1200, completion_tokens: 80, total_tokens: 1280, prompt_tokens_details: { cached_tokens: 1024 } };
    expect(openAIUsage(usage)).toEqual({ inputTokens: 1200, outputTokens: 80, cachedInputTokens: 1024 });
  });

  it('counts input tokens only for embeddings', () => {
    const embeddingUsage = { prompt_tokens: 9, total_tokens: 9 };
    expect(openAIUsage(embeddingUsage)).toEqual({
      inputTokens: 9,
      outputTokens: 0,
      cachedInputTokens: 0,
    });
  });

  it('reads a missing usage (an interrupted stream) as zero', () => {
    expect(openAIUsage(undefined)).toEqual({ inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 });
  });
});
