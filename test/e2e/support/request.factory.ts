import { randomBytes } from 'node:crypto';

export const CHAT_MODEL = 'gpt-4o-mini';

export function newRequestId(prefix = 'r'): string {
  return `${prefix}-${randomBytes(6).toString('hex')}`;
}

export interface ChatOptions {
  id?: string;
  /** The prompt; a random nonce is appended so no earlier run's cache entry can answer it. */
  prompt?: string;
  /** Asks the emulator for exactly this many output tokens (its `[emulator:output_tokens=N]` prompt hint). */
  outputTokens?: number;
  /** Keeps the prompt exactly as given (identical requests for cache and coalescing tests). */
  exactPrompt?: boolean;
  extra?: Record<string, unknown>;
}

/** The prompt text a chat request sends, so identical requests can be built on purpose. */
export function promptText(options: Pick<ChatOptions, 'prompt' | 'outputTokens' | 'exactPrompt'>): string {
  const base = options.prompt ?? 'Say something short';
  const hint = options.outputTokens === undefined ? '' : ` [emulator:output_tokens=${options.outputTokens}]`;
  return options.exactPrompt ? `${base}${hint}` : `${base} (${randomBytes(6).toString('hex')})${hint}`;
}

/** An OpenAI chat request as a producer would put it on sluice.requests.v1, on the realtime lane by default. */
export function chatRequest(tenant: string, options: ChatOptions = {}): Record<string, unknown> & { id: string; tenant: string } {
  return {
    id: options.id ?? newRequestId(),
    tenant,
    provider: 'openai',
    operation: 'chat',
    mode: 'realtime',
    body: { model: CHAT_MODEL, messages: [{ role: 'user', content: promptText(options) }] },
    ...options.extra,
  };
}

/** The text of an OpenAI chat completion body (a result's `response`). */
export function completionText(response: unknown): string | undefined {
  const choices = (response as { choices?: Array<{ message?: { content?: unknown } }> } | undefined)?.choices;
  const content = choices?.[0]?.message?.content;
  return typeof content === 'string' ? content : undefined;
}

export const EMBEDDING_MODEL = 'text-embedding-3-small';

/** An OpenAI embeddings request for the batch lane, with a deadline `deadlineMs` from now. */
export function embeddingRequest(
  tenant: string,
  deadlineMs: number,
  options: { id?: string; input?: string } = {},
): Record<string, unknown> & { id: string; tenant: string } {
  return {
    id: options.id ?? newRequestId('e'),
    tenant,
    provider: 'openai',
    operation: 'embedding',
    mode: 'batch',
    deadline: new Date(Date.now() + deadlineMs).toISOString(),
    body: { model: EMBEDDING_MODEL, input: options.input ?? `passage ${randomBytes(6).toString('hex')}` },
  };
}
