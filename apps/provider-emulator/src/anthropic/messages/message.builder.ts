import type { ModelPrice } from '@sluice/providers';
import { invalidRequest, notFound } from '../../http/emulator.error';
import { findServedModel } from '../../models/model.catalog';
import { seedOf } from '../../synth/deterministic.random';
import { NaturalLength, planOutput, requestedOutputTokens } from '../../synth/output.plan';
import { synthTextPieces } from '../../synth/text.synth';
import { countContentTokens, REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE } from '../../synth/token.counter';

export const API_VERSIONS = ['2023-06-01', '2026-10-21'] as const;
export type ApiVersion = (typeof API_VERSIONS)[number];
/** Sampling parameters that API version 2026-10-21 removed. */
const REMOVED_IN_2026_10_21 = ['temperature', 'top_p', 'top_k'];

export interface MessageRequestPlan {
  model: string;
  price: ModelPrice;
  inputTokens: number;
  maxTokens: number;
  requested: number | undefined;
  inputSeed: number;
  stream: boolean;
}

export interface MessagePlan extends MessageRequestPlan {
  pieces: string[];
  outputTokens: number;
  capped: boolean;
}

/** Reads and checks a Messages request, in Anthropic's words when it is wrong. */
export function parseMessageRequest(body: unknown, version: ApiVersion, inBatch = false): MessageRequestPlan {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('The request body is not valid JSON.');
  }
  const b = body as Record<string, unknown>;
  if (version === '2026-10-21') {
    const removed = REMOVED_IN_2026_10_21.find((field) => b[field] !== undefined);
    if (removed) {
      throw invalidRequest(`${removed}: Extra inputs are not permitted (removed in anthropic-version 2026-10-21)`);
    }
  }
  if (b.model === undefined) throw invalidRequest('model: Field required');
  if (typeof b.model !== 'string') throw invalidRequest('model: Input should be a valid string');
  if (b.max_tokens === undefined) throw invalidRequest('max_tokens: Field required');
  const minMaxTokens = inBatch ? 1 : 0;
  if (typeof b.max_tokens !== 'number' || !Number.isInteger(b.max_tokens) || b.max_tokens < minMaxTokens) {
    throw invalidRequest(`max_tokens: Input should be an integer greater than or equal to ${minMaxTokens}`);
  }
  if (b.messages === undefined) throw invalidRequest('messages: Field required');
  if (!Array.isArray(b.messages)) throw invalidRequest('messages: Input should be a valid list');
  if (b.messages.length === 0) throw invalidRequest('messages: at least one message is required');
  if (b.stream !== undefined && typeof b.stream !== 'boolean') throw invalidRequest('stream: Input should be a valid boolean');
  const texts: string[] = [];
  let inputTokens = REPLY_PRIMING_TOKENS;
  if (b.system !== undefined) inputTokens += countContentTokens(b.system, (text) => texts.push(text));
  b.messages.forEach((message: unknown, index: number) => {
    if (message === null || typeof message !== 'object') {
      throw invalidRequest(`messages.${index}: Input should be a valid dictionary`);
    }
    const { role, content } = message as Record<string, unknown>;
    if (role !== 'user' && role !== 'assistant') {
      throw invalidRequest(`messages.${index}.role: Input should be 'user' or 'assistant'`);
    }
    if (content === undefined) throw invalidRequest(`messages.${index}.content: Field required`);
    inputTokens += TOKENS_PER_MESSAGE + countContentTokens(content, (text) => texts.push(text));
  });
  const price = findServedModel('anthropic', b.model);
  if (!price || price.operation !== 'chat') throw notFound(`model: ${b.model}`);
  return {
    model: b.model,
    price,
    inputTokens,
    maxTokens: b.max_tokens,
    requested: requestedOutputTokens(b.metadata, texts),
    inputSeed: seedOf('anthropic.messages', price.model, JSON.stringify(b.system ?? null), JSON.stringify(b.messages)),
    stream: b.stream === true,
  };
}

export function planMessage(request: MessageRequestPlan, natural: NaturalLength): MessagePlan {
  const output = planOutput(request.requested, request.maxTokens, request.inputSeed, natural);
  return {
    ...request,
    pieces: synthTextPieces(request.inputSeed, output.tokens),
    outputTokens: output.tokens,
    capped: output.capped,
  };
}

export function estimatedMessageTokens(request: MessageRequestPlan): number {
  return request.inputTokens + request.maxTokens;
}

function usage(plan: MessagePlan, serviceTier: 'standard' | 'batch', outputTokens: number): Record<string, unknown> {
  return {
    input_tokens: plan.inputTokens,
    output_tokens: outputTokens,
    cache_creation_input_tokens: 0,
    cache_read_input_tokens: 0,
    cache_creation: { ephemeral_5m_input_tokens: 0, ephemeral_1h_input_tokens: 0 },
    server_tool_use: null,
    service_tier: serviceTier,
  };
}

export function messageBody(plan: MessagePlan, id: string, serviceTier: 'standard' | 'batch' = 'standard'): Record<string, unknown> {
  return {
    id,
    type: 'message',
    role: 'assistant',
    model: plan.model,
    content: [{ type: 'text', text: plan.pieces.join(''), citations: null }],
    stop_reason: plan.capped ? 'max_tokens' : 'end_turn',
    stop_sequence: null,
    stop_details: null,
    container: null,
    usage: usage(plan, serviceTier, plan.outputTokens),
  };
}

function event(type: string, data: Record<string, unknown>): string {
  return `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
}

/**
 * The named SSE events of a streamed message, in the API's order: message_start, one text block
 * (start, ping, deltas, stop), message_delta with the cumulative usage, message_stop.
 */
export function messageFrames(plan: MessagePlan, id: string): { head: string; tokens: string[]; tail: string } {
  const start = messageBody(plan, id);
  const head =
    event('message_start', {
      message: { ...start, content: [], stop_reason: null, stop_sequence: null, usage: usage(plan, 'standard', 1) },
    }) +
    event('content_block_start', { index: 0, content_block: { type: 'text', text: '', citations: null } }) +
    event('ping', {});
  const tokens = plan.pieces.map((text) => event('content_block_delta', { index: 0, delta: { type: 'text_delta', text } }));
  const tail =
    event('content_block_stop', { index: 0 }) +
    event('message_delta', {
      delta: { stop_reason: start.stop_reason, stop_sequence: null, stop_details: null, container: null },
      usage: { output_tokens: plan.outputTokens },
    }) +
    event('message_stop', {});
  return { head, tokens, tail };
}
