import { anthropicMessagesBody, NONSTREAMING_MAX_TOKENS, wantsLongOutput } from './anthropic.body';

describe('anthropicMessagesBody', () => {
  it('drops temperature, top_p, top_k and stream and keeps everything else', () => {
    const body = { model: 'claude-sonnet-4-5', max_tokens: 10, messages: [], system: 's', temperature: 1, top_p: 0.9, top_k: 3, stream: true };
    expect(anthropicMessagesBody(body)).toEqual({ model: 'claude-sonnet-4-5', max_tokens: 10, messages: [], system: 's' });
  });

  it('refuses the flex tier and a body without a model', () => {
    expect(() => anthropicMessagesBody({ model: 'claude-haiku-4-5' }, 'flex')).toThrow(/no flex tier/);
    expect(() => anthropicMessagesBody({ max_tokens: 1 })).toThrow(/no model/);
  });
});

describe('wantsLongOutput', () => {
  it('matches the SDK guard: more than 21,333 max_tokens cannot go unstreamed', () => {
    expect(NONSTREAMING_MAX_TOKENS).toBe(21_333);
    expect(wantsLongOutput({ max_tokens: 21_333 })).toBe(false);
    expect(wantsLongOutput({ max_tokens: 64_000 })).toBe(true);
  });
});
