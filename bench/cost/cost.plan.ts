import type { ProviderRequestBody } from '@sluice/contracts';
import type { TraceRow } from '../workload/trace.rows';
import { rowTag, textOfTokens } from '../workload/trace.requests';
import { unitDraw } from '../workload/urgency.rule';
import { PlannedRequest, planWorkload } from '../workload/workload.plan';
import { DeadlineRange, drawDeadlineMs } from './cost.deadlines';

/** The chat models requests are spread over: flex and no flex on OpenAI; Anthropic offers no flex tier at all. */
export const COST_MODELS: ReadonlyArray<{ provider: 'openai' | 'anthropic'; model: string }> = [
  { provider: 'openai', model: 'gpt-5' },
  { provider: 'openai', model: 'o4-mini' },
  { provider: 'openai', model: 'gpt-4o-mini' },
  { provider: 'anthropic', model: 'claude-haiku-4-5' },
];

export interface CostPlanOptions {
  tenant: string;
  runId: string;
  seed: number;
  speed: number;
  limit?: number;
  deadlines: DeadlineRange;
}

/** The prompt's tokens without the chat framing (3 per message, 3 priming the reply), as the emulator counts them. */
const CHAT_FRAMING_TOKENS = 6;

function anthropicBody(model: string, contextTokens: number, outputTokens: number, tag: string): ProviderRequestBody {
  const marker = ` [emulator:output_tokens=${outputTokens}]`;
  return {
    model,
    max_tokens: outputTokens,
    messages: [{ role: 'user', content: `${textOfTokens(Math.max(1, contextTokens - CHAT_FRAMING_TOKENS - Math.ceil(marker.length / 4)), tag)}${marker}` }],
  };
}

/**
 * Each trace row becomes one chat request at its trace time / speed, to a model drawn by
 * sha256(seed, row) from COST_MODELS, with a deadline drawn log-uniformly from the range (another
 * seeded draw), non-streamed and auto-routed: the router decides every lane.
 */
export function planCostWorkload(rows: readonly TraceRow[], options: CostPlanOptions): PlannedRequest[] {
  const base = planWorkload(rows, {
    tenant: options.tenant,
    runId: options.runId,
    seed: options.seed,
    mix: { interactive: 0, minutes: 0, hours: 1 },
    speed: options.speed,
    ...(options.limit !== undefined && { limit: options.limit }),
    embeddingShare: 0,
  });
  return base.map((planned) => {
    const { row } = planned;
    const target = COST_MODELS[Math.floor(unitDraw(options.seed, 'model', row.source, row.index) * COST_MODELS.length)] as (typeof COST_MODELS)[number];
    const deadlineMs = drawDeadlineMs(unitDraw(options.seed, 'deadline', row.source, row.index), options.deadlines);
    const outputTokens = planned.expectedUsage.outputTokens;
    const tag = rowTag(options.runId, row);
    const body =
      target.provider === 'anthropic' ? anthropicBody(target.model, row.contextTokens, outputTokens, tag) : { ...planned.request.body, model: target.model };
    return {
      ...planned,
      deadlineMs,
      request: {
        ...planned.request,
        provider: target.provider,
        stream: false,
        body,
        metadata: { deadlineMs: String(deadlineMs), trace: `${row.source}:${row.index}` },
      },
    };
  });
}
