import { anthropicUsage } from './anthropic.usage';

describe('anthropicUsage', () => {
  it('adds cache reads and writes to the input, and reports reads as cached', () => {
    const usage = { input_tokens: 50, output_tokens: 30, cache_read_input_tokens: 1000, cache_creation_input_tokens: 200 };
    expect(anthropicUsage(usage)).toEqual({ inputTokens: 1250, outputTokens: 30, cachedInputTokens: 1000 });
  });

  it('treats null cache counters as zero', () => {
    const usage = { input_tokens: 12, output_tokens: 3, cache_read_input_tokens: null, cache_creation_input_tokens: null };
    expect(anthropicUsage(usage)).toEqual({ inputTokens: 12, outputTokens: 3, cachedInputTokens: 0 });
  });
});
