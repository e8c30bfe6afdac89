import type { ModelPrice, PriceTier } from '@sluice/providers';
import { invalidRequest, notFound } from '../../http/emulator.error';
import { findServedModel } from '../../models/model.catalog';
import { seedOf } from '../../synth/deterministic.random';
import { NaturalLength, planOutput, requestedOutputTokens } from '../../synth/output.plan';
import { synthTextPieces } from '../../synth/text.synth';
import { countContentTokens, countTextTokens, REPLY_PRIMING_TOKENS, TOKENS_PER_MESSAGE } from '../../synth/token.counter';

const ROLES = ['system', 'developer', 'user', 'assistant', 'tool', 'function'];
const SERVICE_TIERS = ['auto', 'default', 'flex', 'scale', 'priority'];
const MAX_CHOICES = 16;

export interface ChatRequestPlan {
  /** The model name as the caller wrote it (echoed back). */
  model: string;
  price: ModelPrice;
  promptTokens: number;
  /** The output cap the request set, if any. */
  cap: number | undefined;
  requested: number | undefined;
  inputSeed: number;
  choiceCount: number;
  stream: boolean;
  includeUsage: boolean;
  /** What the response reports, and which price applies. */
  serviceTier: 'default' | 'flex' | 'priority' | 'scale';
  tier: PriceTier;
}

export interface ChatChoicePlan {
  pieces: string[];
  capped: boolean;
}

export interface ChatPlan extends ChatRequestPlan {
  choices: ChatChoicePlan[];
  completionTokens: number;
}

/** Reads and checks a chat completion request, in OpenAI's words when it is wrong. */
export function parseChatRequest(body: unknown): ChatRequestPlan {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw invalidRequest('We could not parse the JSON body of your request. The body must be a JSON object.');
  }
  const b = body as Record<string, unknown>;
  if (b.model === undefined) throw invalidRequest("Missing required parameter: 'model'.", 'model', 'missing_required_parameter');
  if (typeof b.model !== 'string') throw invalidRequest("Invalid type for 'model': expected a string.", 'model', 'invalid_type');
  if (b.messages === undefined) {
    throw invalidRequest("Missing required parameter: 'messages'.", 'messages', 'missing_required_parameter');
  }
  if (!Array.isArray(b.messages)) throw invalidRequest("Invalid type for 'messages': expected an array.", 'messages', 'invalid_type');
  if (b.messages.length === 0) {
    throw invalidRequest(
      "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
      'messages',
      'empty_array',
    );
  }
  const cap = optionalCount(b, 'max_completion_tokens') ?? optionalCount(b, 'max_tokens');
  const n = b.n === undefined || b.n === null ? 1 : b.n;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_CHOICES) {
    throw invalidRequest(`Invalid 'n': expected an integer between 1 and ${MAX_CHOICES}.`, 'n', 'invalid_value');
  }
  if (b.stream !== undefined && b.stream !== null && typeof b.stream !== 'boolean') {
    throw invalidRequest("Invalid type for 'stream': expected a boolean.", 'stream', 'invalid_type');
  }
  const stream = b.stream === true;
  if (b.stream_options != null && !stream) {
    throw invalidRequest("The 'stream_options' parameter is only allowed when 'stream' is enabled.", 'stream_options');
  }
  const texts: string[] = [];
  let promptTokens = REPLY_PRIMING_TOKENS;
  b.messages.forEach((message: unknown, index: number) => {
    if (message === null || typeof message !== 'object') {
      throw invalidRequest(`Invalid type for 'messages[${index}]': expected an object.`, `messages[${index}]`, 'invalid_type');
    }
    const { role, content, name } = message as Record<string, unknown>;
    if (typeof role !== 'string' || !ROLES.includes(role)) {
      throw invalidRequest(
        `Invalid value: '${String(role)}'. Supported values are: ${ROLES.map((r) => `'${r}'`).join(', ')}.`,
        `messages[${index}].role`,
        'invalid_value',
      );
    }
    promptTokens += TOKENS_PER_MESSAGE + countContentTokens(content, (text) => texts.push(text));
    if (typeof name === 'string') promptTokens += countTextTokens(name);
  });
  if (Array.isArray(b.tools)) promptTokens += countTextTokens(JSON.stringify(b.tools));

  const price = findServedModel('openai', b.model);
  if (!price) {
    throw notFound(`The model \`${b.model}\` does not exist or you do not have access to it.`, 'model_not_found');
  }
  if (price.operation !== 'chat') {
    throw notFound('This is not a chat model and thus not supported in the v1/chat/completions endpoint. Did you mean to use v1/completions?', null, 'model');
  }
  const requestedTier = b.service_tier ?? 'auto';
  if (typeof requestedTier !== 'string' || !SERVICE_TIERS.includes(requestedTier)) {
    throw invalidRequest(
      `Invalid value: '${typeof requestedTier === 'string' ? requestedTier : JSON.stringify(requestedTier)}'. Supported values are: ${SERVICE_TIERS.map((t) => `'${t}'`).join(', ')}.`,
      'service_tier',
      'invalid_value',
    );
  }
  if (requestedTier === 'flex' && price.flexDiscount === null) {
    throw invalidRequest(`Flex processing is not available for model ${b.model}.`, 'service_tier', 'invalid_value');
  }
  const serviceTier = requestedTier === 'auto' ? 'default' : (requestedTier as ChatRequestPlan['serviceTier']);
  const streamOptions = b.stream_options as Record<string, unknown> | null | undefined;
  return {
    model: b.model,
    price,
    promptTokens,
    cap,
    requested: requestedOutputTokens(b.metadata, texts),
    inputSeed: seedOf('openai.chat', price.model, JSON.stringify(b.messages)),
    choiceCount: n,
    stream,
    includeUsage: stream && streamOptions?.include_usage === true,
    serviceTier,
    tier: serviceTier === 'flex' ? 'flex' : 'standard',
  };
}

/** Generates the (deterministic) replies of a parsed request. */
export function planChat(request: ChatRequestPlan, natural: NaturalLength): ChatPlan {
  const choices: ChatChoicePlan[] = [];
  let completionTokens = 0;
  for (let index = 0; index < request.choiceCount; index += 1) {
    const seed = index === 0 ? request.inputSeed : seedOf(request.inputSeed, index);
    const output = planOutput(request.requested, request.cap, seed, natural);
    choices.push({ pieces: synthTextPieces(seed, output.tokens), capped: output.capped });
    completionTokens += output.tokens;
  }
  return { ...request, choices, completionTokens };
}

/** The worst case a request may consume: what rate limiters count against TPM, as OpenAI does. */
export function estimatedChatTokens(request: ChatRequestPlan, natural: NaturalLength): number {
  return request.promptTokens + (request.cap ?? request.requested ?? natural.maxTokens) * request.choiceCount;
}

export function chatUsage(plan: ChatPlan): Record<string, unknown> {
  return {
    prompt_tokens: plan.promptTokens,
    completion_tokens: plan.completionTokens,
    total_tokens: plan.promptTokens + plan.completionTokens,
    prompt_tokens_details: { cached_tokens: 0, audio_tokens: 0 },
    completion_tokens_details: {
      reasoning_tokens: 0,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
  };
}

export const SYSTEM_FINGERPRINT = 'fp_sluice_emulator';

export function chatCompletionBody(plan: ChatPlan, id: string, created: number): Record<string, unknown> {
  return {
    id,
    object: 'chat.completion',
    created,
    model: plan.model,
    choices: plan.choices.map((choice, index) => ({
      index,
      message: { role: 'assistant', content: choice.pieces.join(''), refusal: null, annotations: [] },
      logprobs: null,
      finish_reason: choice.capped ? 'length' : 'stop',
    })),
    usage: chatUsage(plan),
    service_tier: plan.serviceTier,
    system_fingerprint: SYSTEM_FINGERPRINT,
  };
}

/**
 * The SSE frames of a streamed completion: the role chunk first, one chunk per token, an empty
 * delta with the finish reason, the usage chunk (choices: []) when asked, then [DONE].
 */
export function chatCompletionFrames(plan: ChatPlan, id: string, created: number): { head: string; tokens: string[]; tail: string } {
  const base = `{"id":${JSON.stringify(id)},"object":"chat.completion.chunk","created":${created},"model":${JSON.stringify(
    plan.model,
  )},"service_tier":"${plan.serviceTier}","system_fingerprint":"${SYSTEM_FINGERPRINT}",`;
  const usageNull = plan.includeUsage ? ',"usage":null' : '';
  const frame = (choices: string, extra: string): string => `data: ${base}"choices":${choices}${extra}}\n\n`;
  let head = '';
  const tokens: string[] = [];
  let tail = '';
  plan.choices.forEach((choice, index) => {
    head += frame(`[{"index":${index},"delta":{"role":"assistant","content":"","refusal":null},"logprobs":null,"finish_reason":null}]`, usageNull);
    for (const piece of choice.pieces) {
      tokens.push(frame(`[{"index":${index},"delta":{"content":${JSON.stringify(piece)}},"logprobs":null,"finish_reason":null}]`, usageNull));
    }
    tail += frame(`[{"index":${index},"delta":{},"logprobs":null,"finish_reason":"${choice.capped ? 'length' : 'stop'}"}]`, usageNull);
  });
  if (plan.includeUsage) tail += frame('[]', `,"usage":${JSON.stringify(chatUsage(plan))}`);
  tail += 'data: [DONE]\n\n';
  return { head, tokens, tail };
}

function optionalCount(b: Record<string, unknown>, field: string): number | undefined {
  const value = b[field];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw invalidRequest(`Invalid type for '${field}': expected an integer.`, field, 'invalid_type');
  }
  if (value < 1) {
    throw invalidRequest(`Invalid '${field}': integer below minimum value. Expected a value >= 1, but got ${value} instead.`, field, 'integer_below_min_value');
  }
  return value;
}
