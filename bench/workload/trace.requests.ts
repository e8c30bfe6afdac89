import { createHash } from 'node:crypto';
import type { ProviderRequestBody } from '@sluice/contracts';
import type { TraceRow, TraceSource } from './trace.rows';

/**
 * How a trace row becomes a provider request body of the recorded size. The trace has no prompt
 * text, so the prompt is filler of the recorded length, counted the way the provider emulator counts
 * (apps/provider-emulator/src/synth/token.counter.ts: ceil(characters / 4) per text, 3 tokens per
 * chat message, 3 priming the reply), and the reply is asked for at the recorded length through the
 * emulator's `metadata.emulator_output_tokens`, with `max_completion_tokens` at the same value so
 * the router plans its cost from the real size.
 */
const CHARS_PER_TOKEN = 4;
/** One user message (3) and the reply priming (3). */
const CHAT_FRAMING_TOKENS = 6;

/**
 * Models per trace file: both have a flex tier, which is what the async lane uses, so work that can
 * wait minutes is cheaper on either lane that can take it. Conversation on a frontier chat model, the
 * coding assistant on a small reasoning model.
 */
export const CHAT_MODELS: Readonly<Record<TraceSource, string>> = { conv: 'gpt-5', code: 'o4-mini' };
export const EMBEDDING_MODEL = 'text-embedding-3-small';

const FILLER =
  'the report lists each open item with its owner and the date it is due so that the team can see ' +
  'what is late and what comes next while the service keeps its answers short and to the point ';

/** A short tag unique per run and row, so no request of this run is answered from an earlier one's cache. */
export function rowTag(runId: string, row: Pick<TraceRow, 'source' | 'index'>): string {
  return createHash('sha256').update(`${runId}:${row.source}:${row.index}`).digest('hex').slice(0, 8);
}

/** Text the emulator counts as exactly `tokens` tokens (at least the tag's own two), starting with the tag. */
export function textOfTokens(tokens: number, tag: string): string {
  const length = Math.max(tokens, Math.ceil(tag.length / CHARS_PER_TOKEN)) * CHARS_PER_TOKEN;
  let text = `${tag} `;
  while (text.length < length) text += FILLER;
  return text.slice(0, length);
}

/** Tokens the emulator will count for a chat prompt made for `contextTokens`: the recorded size, or the smallest prompt there is. */
export function chatPromptTokens(contextTokens: number, tag: string): number {
  return CHAT_FRAMING_TOKENS + Math.max(contextTokens - CHAT_FRAMING_TOKENS, Math.ceil(tag.length / CHARS_PER_TOKEN));
}

/** Tokens the emulator will count for an embedding input made for `contextTokens`. */
export function embeddingInputTokens(contextTokens: number, tag: string): number {
  return Math.max(contextTokens, Math.ceil(tag.length / CHARS_PER_TOKEN));
}

export function chatBody(row: TraceRow, tag: string): ProviderRequestBody {
  const outputTokens = Math.max(1, row.generatedTokens);
  return {
    model: CHAT_MODELS[row.source],
    messages: [{ role: 'user', content: textOfTokens(row.contextTokens - CHAT_FRAMING_TOKENS, tag) }],
    max_completion_tokens: outputTokens,
    metadata: { emulator_output_tokens: String(outputTokens) },
  };
}

/** The row's context embedded (indexing a conversation or a file for search later); it has no output. */
export function embeddingBody(row: TraceRow, tag: string): ProviderRequestBody {
  return { model: EMBEDDING_MODEL, input: textOfTokens(row.contextTokens, tag) };
}
