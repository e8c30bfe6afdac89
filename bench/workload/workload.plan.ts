import type { InferenceRequestV1 } from '@sluice/contracts';
import type { TokenUsage } from '@sluice/providers';
import type { CostedRequest } from './cost.bounds';
import { chatBody, chatPromptTokens, embeddingBody, embeddingInputTokens, rowTag } from './trace.requests';
import type { TraceRow } from './trace.rows';
import { URGENCY, UrgencyClass, UrgencyMix, unitDraw, urgencyOf } from './urgency.rule';

export interface WorkloadOptions {
  tenant: string;
  /** Prefix of every request id and salt of every prompt: unique per run, so ids are never replays. */
  runId: string;
  seed: number;
  mix: UrgencyMix;
  /** Trace time runs this many times faster: 2 sends an hour of trace in 30 minutes. */
  speed: number;
  /** The first this many rows (in invocation order); all when undefined. */
  limit?: number;
  /** Fraction of the hours class sent as embeddings of their context instead of chat (bulk indexing is hours work). */
  embeddingShare: number;
}

export interface PlannedRequest {
  row: TraceRow;
  urgency: UrgencyClass;
  /** When to send it, from the start of the replay. */
  sendOffsetMs: number;
  /** From sending to the deadline. */
  deadlineMs: number;
  /** The usage the emulator will report: the recorded sizes, as it counts them. */
  expectedUsage: TokenUsage;
  /** The request without its deadline, which is stamped when it is sent. */
  request: InferenceRequestV1 & { id: string };
}

export const DEFAULT_EMBEDDING_SHARE = 0.25;

/**
 * The replay: each trace row in invocation order becomes one request, sent at its trace time
 * (compressed by `speed`) after the first row's, with the urgency class the seeded rule gives it.
 */
export function planWorkload(rows: readonly TraceRow[], options: WorkloadOptions): PlannedRequest[] {
  if (!(options.speed > 0)) throw new Error(`speed must be positive, got ${options.speed}`);
  const chosen = options.limit === undefined ? rows : rows.slice(0, options.limit);
  const startMs = chosen[0]?.atMs ?? 0;
  return chosen.map((row) => {
    const urgency = urgencyOf(unitDraw(options.seed, 'urgency', row.source, row.index), options.mix);
    const spec = URGENCY[urgency];
    const embedding = urgency === 'hours' && unitDraw(options.seed, 'operation', row.source, row.index) < options.embeddingShare;
    const tag = rowTag(options.runId, row);
    const body = embedding ? embeddingBody(row, tag) : chatBody(row, tag);
    const expectedUsage: TokenUsage = embedding
      ? { inputTokens: embeddingInputTokens(row.contextTokens, tag), outputTokens: 0 }
      : { inputTokens: chatPromptTokens(row.contextTokens, tag), outputTokens: Math.max(1, row.generatedTokens) };
    return {
      row,
      urgency,
      sendOffsetMs: (row.atMs - startMs) / options.speed,
      deadlineMs: spec.deadlineMs,
      expectedUsage,
      request: {
        id: `${options.runId}-${row.source}-${row.index}`,
        tenant: options.tenant,
        provider: 'openai',
        operation: embedding ? 'embedding' : 'chat',
        mode: 'auto',
        stream: spec.stream && !embedding,
        cache: true,
        body,
        metadata: { urgency, trace: `${row.source}:${row.index}` },
      },
    };
  });
}

/** The request as sent at `sentAtMs`: its deadline counts from then. */
export function requestSentAt(planned: PlannedRequest, sentAtMs: number): InferenceRequestV1 & { id: string; deadline: string } {
  return { ...planned.request, deadline: new Date(sentAtMs + planned.deadlineMs).toISOString() };
}

/** The request as the cost bounds see it, with the usage it had (the expected one until it is answered). */
export function costedRequest(planned: PlannedRequest, usage: TokenUsage = planned.expectedUsage): CostedRequest {
  return {
    tenant: planned.request.tenant,
    provider: planned.request.provider,
    model: planned.request.body.model,
    operation: planned.request.operation,
    stream: planned.request.stream,
    deadlineMs: planned.deadlineMs,
    usage,
  };
}
