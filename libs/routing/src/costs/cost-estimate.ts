import type { LaneCosts } from '../decision/route-request';
import type { Lane, Operation } from '../policy/routing-policy';

/**
 * The parts of a model's list price that routing needs. `ModelPrice` of @sluice/providers has this
 * shape; routing takes it as plain data so that it never depends on the provider clients.
 */
export interface LanePricing {
  inputPerMTok: number;
  outputPerMTok: number;
  /** Fraction off on the batch tier (0.5 = half price). */
  batchDiscount: number;
  /** Fraction off on the flex tier the async lane uses; null when the model has none (async then pays list price). */
  flexDiscount: number | null;
  /** Lanes the model supports at all. */
  lanes: readonly Lane[];
}

export interface UsageEstimate {
  inputTokens: number;
  outputTokens: number;
}

/** Output planned for when the body sets no limit; embeddings produce no output tokens. */
export const DEFAULT_OUTPUT_TOKENS: Readonly<Record<Operation, number>> = { chat: 512, embedding: 0 };

/** The usual English-text ratio of the providers' tokenisers; routing needs the order of magnitude, not the count. */
const CHARS_PER_TOKEN = 4;

interface TextSize {
  chars: number;
  /** Pre-tokenised input (embedding `input` given as token ids) counts exactly. */
  tokens: number;
}

const NONE: TextSize = { chars: 0, tokens: 0 };

function add(a: TextSize, b: TextSize): TextSize {
  return { chars: a.chars + b.chars, tokens: a.tokens + b.tokens };
}

/**
 * Sizes the text a provider would read: strings, arrays of them, token-id arrays, and the `text` and
 * `content` of message and content-block objects. Images, tool schemas and other parts are ignored:
 * they are rare in the bulk traffic where the lane choice matters, and the estimate only ranks lanes.
 */
function measure(value: unknown): TextSize {
  if (typeof value === 'string') return { chars: value.length, tokens: 0 };
  if (typeof value === 'number') return { chars: 0, tokens: 1 };
  if (Array.isArray(value)) return value.reduce<TextSize>((total, item) => add(total, measure(item)), NONE);
  if (typeof value === 'object' && value !== null) {
    const { text, content } = value as Record<string, unknown>;
    return add(measure(text), measure(content));
  }
  return NONE;
}

/** Input tokens of an OpenAI chat/embeddings or Anthropic messages body, about chars / 4. */
export function estimateInputTokens(body: Readonly<Record<string, unknown>>): number {
  const size = [body.messages, body.system, body.input].reduce<TextSize>((total, part) => add(total, measure(part)), NONE);
  return Math.ceil(size.chars / CHARS_PER_TOKEN) + size.tokens;
}

function positiveInteger(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isInteger(value) && value > 0 ? value : undefined;
}

/**
 * Output tokens planned for: the body's own limit (`max_completion_tokens`, then `max_tokens`), else
 * the operation's default, once per choice asked for (`n`): the limit applies to each choice and each is
 * billed. A limit is an upper bound, so costs and budgets are planned on the safe side.
 */
export function estimateOutputTokens(
  operation: Operation,
  body: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<Operation, number>> = DEFAULT_OUTPUT_TOKENS,
): number {
  if (operation === 'embedding') return 0;
  const perChoice = positiveInteger(body.max_completion_tokens) ?? positiveInteger(body.max_tokens) ?? defaults[operation];
  return perChoice * (positiveInteger(body.n) ?? 1);
}

export function estimateUsage(
  operation: Operation,
  body: Readonly<Record<string, unknown>>,
  defaults: Readonly<Record<Operation, number>> = DEFAULT_OUTPUT_TOKENS,
): UsageEstimate {
  return { inputTokens: estimateInputTokens(body), outputTokens: estimateOutputTokens(operation, body, defaults) };
}

/**
 * What the estimated usage costs per lane: realtime at list price, async at the flex tier where the
 * model has one (else list price), batch at the batch tier; null for a lane the model does not offer.
 */
export function laneCosts(pricing: LanePricing, usage: UsageEstimate): LaneCosts {
  const list = (usage.inputTokens * pricing.inputPerMTok + usage.outputTokens * pricing.outputPerMTok) / 1_000_000;
  return {
    realtime: list,
    async: pricing.lanes.includes('async') ? list * (1 - (pricing.flexDiscount ?? 0)) : null,
    batch: pricing.lanes.includes('batch') ? list * (1 - pricing.batchDiscount) : null,
  };
}
