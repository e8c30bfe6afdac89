import { parseChatRequest } from '../../apps/provider-emulator/src/openai/chat/chat-completion.builder';
import { parseEmbeddingRequest } from '../../apps/provider-emulator/src/openai/embeddings/embeddings.builder';
import { CHAT_MODELS, chatBody, chatPromptTokens, embeddingBody, embeddingInputTokens, rowTag, textOfTokens } from './trace.requests';
import type { TraceRow } from './trace.rows';

// The emulator's own parsers count what it will bill, so the recorded sizes are checked against
// the real counting code rather than a copy of its rule.
const row = (overrides: Partial<TraceRow> = {}): TraceRow => ({ source: 'conv', index: 3, atMs: 0, contextTokens: 1083, generatedTokens: 397, ...overrides });

describe('rowTag', () => {
  it('differs per run and per row', () => {
    expect(rowTag('run-a', row())).toBe(rowTag('run-a', row()));
    expect(rowTag('run-b', row())).not.toBe(rowTag('run-a', row()));
    expect(rowTag('run-a', row({ index: 4 }))).not.toBe(rowTag('run-a', row()));
    expect(rowTag('run-a', row({ source: 'code' }))).not.toBe(rowTag('run-a', row()));
  });
});

describe('textOfTokens', () => {
  it('starts with the tag and is four characters per token', () => {
    const text = textOfTokens(250, 'abcd1234');
    expect(text.startsWith('abcd1234 ')).toBe(true);
    expect(text).toHaveLength(1000);
    expect(textOfTokens(0, 'abcd1234')).toBe('abcd1234');
  });
});

describe('chatBody', () => {
  it('is a prompt of the recorded context size asking for the recorded output, as the emulator counts them', () => {
    for (const contextTokens of [1083, 7436, 8, 7, 2]) {
      const tag = rowTag('run', row({ contextTokens }));
      const parsed = parseChatRequest(chatBody(row({ contextTokens }), tag));
      expect(parsed.promptTokens).toBe(chatPromptTokens(contextTokens, tag));
      expect(parsed.requested).toBe(397);
      expect(parsed.cap).toBe(397);
    }
    expect(chatPromptTokens(1083, 'abcd1234')).toBe(1083);
    // Below one message's framing and the tag, the smallest prompt there is.
    expect(chatPromptTokens(2, 'abcd1234')).toBe(8);
  });

  it('uses a model with a flex tier for each file', () => {
    expect(chatBody(row(), 'abcd1234').model).toBe(CHAT_MODELS.conv);
    expect(chatBody(row({ source: 'code' }), 'abcd1234').model).toBe(CHAT_MODELS.code);
    expect(parseChatRequest({ ...chatBody(row({ source: 'code' }), 'abcd1234'), service_tier: 'flex' }).tier).toBe('flex');
    expect(parseChatRequest({ ...chatBody(row(), 'abcd1234'), service_tier: 'flex' }).tier).toBe('flex');
  });
});

describe('embeddingBody', () => {
  it('embeds text of the recorded context size', () => {
    for (const contextTokens of [1083, 2]) {
      const parsed = parseEmbeddingRequest(embeddingBody(row({ contextTokens }), 'abcd1234'), () => null);
      expect(parsed.promptTokens).toBe(embeddingInputTokens(contextTokens, 'abcd1234'));
    }
    expect(embeddingInputTokens(1083, 'abcd1234')).toBe(1083);
  });
});
