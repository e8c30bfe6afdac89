import type { ProviderRequestBody } from '@sluice/contracts';

export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; param: string | null };

/** A chat.completions call as Sluice takes it: the body without the streaming switches, which are Sluice's to act on. */
export interface ChatCall {
  body: ProviderRequestBody;
  stream: boolean;
  includeUsage: boolean;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The call a chat.completions body asks for. `stream` and `stream_options` become the Sluice
 * request's own `stream` (the worker always asks the provider for usage, to price the answer);
 * everything else goes to the provider as sent, and Sluice's validation judges it.
 */
export function chatCallOf(json: unknown): Parsed<ChatCall> {
  if (!isObject(json)) return { ok: false, message: 'the request body must be a JSON object', param: null };
  const { stream, stream_options: streamOptions, ...body } = json;
  if (stream !== undefined && stream !== null && typeof stream !== 'boolean') return { ok: false, message: 'stream must be a boolean', param: 'stream' };
  if (streamOptions !== undefined && streamOptions !== null && !isObject(streamOptions)) {
    return { ok: false, message: 'stream_options must be an object', param: 'stream_options' };
  }
  if (streamOptions && stream !== true) return { ok: false, message: 'stream_options is only allowed when stream is true', param: 'stream_options' };
  return {
    ok: true,
    value: { body: body as ProviderRequestBody, stream: stream === true, includeUsage: streamOptions?.include_usage === true },
  };
}

interface CompletionChoice {
  index?: number;
  message?: { content?: string | null; role?: string };
  finish_reason?: string | null;
}

interface Completion {
  choices?: CompletionChoice[];
  usage?: unknown;
}

/**
 * A chat completion as OpenAI streams it (`chat.completion.chunk` data events, `[DONE]` last), made
 * from a Sluice request's chunks and its result. Every chunk shares one id and `created`. The result
 * is the whole answer, so whatever the chunks did not carry (all of it, for an answer from the cache;
 * the other choices when `n` > 1) is sent from it before the finish reasons.
 */
export class ChatChunkStream {
  private sent = '';

  constructor(
    private readonly id: string,
    private readonly model: string,
    private readonly created: number,
    private readonly includeUsage: boolean,
  ) {}

  opening(): string {
    return this.frame([{ index: 0, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
  }

  delta(text: string): string {
    if (text === '') return '';
    this.sent += text;
    return this.frame([{ index: 0, delta: { content: text }, logprobs: null, finish_reason: null }]);
  }

  closing(response: unknown): string {
    const completion = (isObject(response) ? response : {}) as Completion;
    const choices = completion.choices ?? [];
    let text = '';
    for (const [position, choice] of choices.entries()) {
      const index = choice.index ?? position;
      const content = choice.message?.content ?? '';
      const already = index === 0 ? this.sent : '';
      const rest = content.startsWith(already) ? content.slice(already.length) : '';
      if (index !== 0) text += this.frame([{ index, delta: { role: 'assistant', content: '' }, logprobs: null, finish_reason: null }]);
      if (rest !== '') text += this.frame([{ index, delta: { content: rest }, logprobs: null, finish_reason: null }]);
    }
    for (const [position, choice] of choices.entries()) {
      text += this.frame([{ index: choice.index ?? position, delta: {}, logprobs: null, finish_reason: choice.finish_reason ?? 'stop' }]);
    }
    if (this.includeUsage) text += this.frame([], completion.usage ?? null);
    return `${text}data: [DONE]\n\n`;
  }

  /** An error after the stream began: the SDK throws on a data event with an `error` key. */
  error(body: unknown): string {
    return `data: ${JSON.stringify(body)}\n\n`;
  }

  private frame(choices: unknown[], usage: unknown = null): string {
    const chunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.created,
      model: this.model,
      choices,
      ...(this.includeUsage && { usage }),
    };
    return `data: ${JSON.stringify(chunk)}\n\n`;
  }
}
