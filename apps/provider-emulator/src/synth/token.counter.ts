// The emulator's tokenizer: about four characters per token, the rule of thumb both providers
// publish. It is not their tokenizer, but it moves with prompt size, which is what cost tests need.
export const CHARS_PER_TOKEN = 4;
/** Framing tokens each chat message costs on top of its text, as in OpenAI's token-counting guide. */
export const TOKENS_PER_MESSAGE = 3;
/** Tokens that prime the assistant's reply. */
export const REPLY_PRIMING_TOKENS = 3;
/** What a non-text part (image, audio, document) costs, whatever its size. */
export const NON_TEXT_PART_TOKENS = 85;

export function countTextTokens(text: string): number {
  return Math.ceil(text.length / CHARS_PER_TOKEN);
}

/**
 * Tokens of one message's `content` in either provider's shape: a string, or an array of parts
 * where text parts count by their text and anything else counts by its JSON size.
 */
export function countContentTokens(content: unknown, onText?: (text: string) => void): number {
  if (typeof content === 'string') {
    onText?.(content);
    return countTextTokens(content);
  }
  if (!Array.isArray(content)) return content == null ? 0 : countTextTokens(JSON.stringify(content));
  let tokens = 0;
  for (const part of content) {
    if (part !== null && typeof part === 'object') {
      const { type, text, content: nested } = part as { type?: unknown; text?: unknown; content?: unknown };
      if (typeof text === 'string') {
        onText?.(text);
        tokens += countTextTokens(text);
      } else if (type === 'tool_result') {
        tokens += countContentTokens(nested, onText);
      } else if (type === 'image' || type === 'image_url' || type === 'input_audio' || type === 'document') {
        tokens += NON_TEXT_PART_TOKENS;
      } else {
        tokens += countTextTokens(JSON.stringify(part));
      }
    } else if (typeof part === 'string') {
      onText?.(part);
      tokens += countTextTokens(part);
    }
  }
  return tokens;
}
