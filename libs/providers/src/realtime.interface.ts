import type { ProviderName } from './pricing/pricing';

/** Token counts the same way for every provider: `cachedInputTokens` is part of `inputTokens`. */
export interface ProviderUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

/** The tiers a synchronous call can ask for; `flex` only where the model's catalog entry has a flex discount. */
export type RealtimeTier = 'standard' | 'flex';

export interface CallOptions {
  /** Per-call limit, overriding the client's; Sluice sets it from the request's remaining deadline. */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CompleteRequest extends CallOptions {
  /** The provider's own request body (OpenAI chat.completions or Anthropic messages params), `model` included. */
  body: Record<string, unknown>;
  tier?: RealtimeTier;
}

export interface CompleteResult {
  /** The provider's own response body (OpenAI ChatCompletion, Anthropic Message). */
  response: unknown;
  usage: ProviderUsage;
  /** The model the provider says served the call, often a dated snapshot of the requested one. */
  model: string;
  providerRequestId: string | null;
}

export type StreamChunk =
  { type: 'delta'; text: string } | { type: 'final'; response: unknown; usage: ProviderUsage; model: string; providerRequestId: string | null };

export interface EmbedRequest extends CallOptions {
  /** The provider's own embeddings body (`model`, `input`, …). */
  body: Record<string, unknown>;
}

export interface EmbedResult {
  /** The provider's embeddings response, vectors decoded to numbers. */
  response: unknown;
  /** Embeddings bill input tokens only. */
  usage: ProviderUsage;
  model: string;
  providerRequestId: string | null;
}

export interface RealtimeAdapter {
  readonly provider: ProviderName;
  complete(request: CompleteRequest): Promise<CompleteResult>;
  /** Text deltas as they arrive, then exactly one `final` chunk with the whole response and its usage. */
  stream(request: CompleteRequest): AsyncIterable<StreamChunk>;
  /** Rejects with a ProviderError of kind `unsupported` where the provider has no embeddings. */
  embed(request: EmbedRequest): Promise<EmbedResult>;
}
