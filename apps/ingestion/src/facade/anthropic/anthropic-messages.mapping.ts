import type { ProviderRequestBody } from '@sluice/contracts';
import type { Parsed } from '../openai/openai-chat.mapping';

export interface MessagesCall {
  body: ProviderRequestBody;
  stream: boolean;
}

/** A messages body as Sluice takes it: `stream` becomes the Sluice request's own; the rest goes to the provider as sent. */
export function messagesCallOf(json: unknown): Parsed<MessagesCall> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return { ok: false, message: 'the request body must be a JSON object', param: null };
  const { stream, ...body } = json as Record<string, unknown>;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') return { ok: false, message: 'stream: must be a boolean', param: 'stream' };
  return { ok: true, value: { body: body as ProviderRequestBody, stream: stream === true } };
}

interface ContentBlock {
  type?: string;
  text?: string;
}

interface Message {
  content?: ContentBlock[];
  stop_reason?: string | null;
  stop_sequence?: string | null;
  usage?: Record<string, unknown>;
}

function sse(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * A message as Anthropic streams it (named events: message_start, content_block_start,
 * content_block_delta…, content_block_stop, message_delta, message_stop), made from a Sluice
 * request's chunks and its result. The chunks are the text of the first block; whatever they did not
 * carry (all of it, for an answer from the cache; later blocks) is sent from the result, and the
 * result's usage closes the message (message_delta's usage is cumulative: the SDK overwrites with it).
 */
export class MessageEventStream {
  private sent = '';

  constructor(
    private readonly id: string,
    private readonly model: string,
  ) {}

  opening(): string {
    const message = {
      id: this.id,
      type: 'message',
      role: 'assistant',
      content: [],
      model: this.model,
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 0, output_tokens: 0 },
    };
    return sse('message_start', { message }) + sse('content_block_start', { index: 0, content_block: { type: 'text', text: '' } }) + sse('ping', {});
  }

  delta(text: string): string {
    if (text === '') return '';
    this.sent += text;
    return sse('content_block_delta', { index: 0, delta: { type: 'text_delta', text } });
  }

  closing(response: unknown): string {
    const message = (typeof response === 'object' && response !== null ? response : {}) as Message;
    const blocks = message.content ?? [];
    const first = blocks[0]?.type === 'text' ? (blocks[0].text ?? '') : '';
    let text = first.startsWith(this.sent) ? this.delta(first.slice(this.sent.length)) : '';
    text += sse('content_block_stop', { index: 0 });
    for (const [index, block] of blocks.entries()) {
      if (index === 0 || block.type !== 'text') continue;
      text += sse('content_block_start', { index, content_block: { type: 'text', text: '' } });
      if (block.text) text += sse('content_block_delta', { index, delta: { type: 'text_delta', text: block.text } });
      text += sse('content_block_stop', { index });
    }
    text += sse('message_delta', {
      delta: { stop_reason: message.stop_reason ?? 'end_turn', stop_sequence: message.stop_sequence ?? null },
      usage: message.usage ?? { output_tokens: 0 },
    });
    return text + sse('message_stop', {});
  }

  /** An error after the stream began: Anthropic's `error` event. */
  error(type: string, message: string): string {
    return sse('error', { error: { type, message } });
  }
}
