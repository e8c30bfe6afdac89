import type Anthropic from '@anthropic-ai/sdk';
import type { BatchCreateParams, MessageBatch, MessageBatchIndividualResponse } from '@anthropic-ai/sdk/resources/messages/batches';
import type { Operation } from '../pricing/pricing';
import { ProviderError, ProviderFailure } from '../errors/provider-error';
import type {
  BatchAdapter,
  BatchInput,
  BatchLimits,
  BatchResult,
  BatchState,
  BatchStatus,
  BatchSubmitOptions,
  ProviderBatchSummary,
  SubmittedBatch,
} from '../batch.interface';
import { BatchInputMeter } from '../batch/batch-input.meter';
import { batchInputChunks, jsonlLines } from '../jsonl/jsonl.lines';
import { anthropicMessagesBody } from './anthropic.body';
import { anthropicFailure, rethrowAnthropic } from './anthropic.errors';
import { anthropicUsage } from './anthropic.usage';

/** Anthropic Message Batches: 100,000 requests or 256 MB per batch; no embeddings. */
export const ANTHROPIC_BATCH_LIMITS: BatchLimits = {
  maxRequests: 100_000,
  maxBytes: 256_000_000,
  maxEmbeddingInputs: null,
};

const CUSTOM_ID = /^[a-zA-Z0-9_-]{1,64}$/;

export class AnthropicBatchAdapter implements BatchAdapter {
  readonly provider = 'anthropic' as const;

  constructor(private readonly client: Anthropic) {}

  limits(): BatchLimits {
    return ANTHROPIC_BATCH_LIMITS;
  }

  buildLine(customId: string, body: Record<string, unknown>, operation: Operation): Buffer {
    return buildAnthropicBatchLine(customId, body, operation);
  }

  /**
   * Anthropic takes a batch's requests inline in one JSON body, so the lines are parsed and held in
   * memory for the create call (bounded by the 256 MB limit, which the meter enforces while reading).
   * Anthropic batches carry no metadata: `options.metadata` stays in Sluice's own records.
   */
  async submit(input: BatchInput, options: BatchSubmitOptions): Promise<SubmittedBatch> {
    if (options.operation !== 'chat') throw unsupportedOperation(options.operation);
    const meter = new BatchInputMeter('anthropic', ANTHROPIC_BATCH_LIMITS);
    const requests: BatchCreateParams.Request[] = [];
    for await (const line of jsonlLines(meter.measure(batchInputChunks(input)))) {
      const request = JSON.parse(line) as BatchCreateParams.Request;
      // Sluice windows batches per model; a stray line means the caller mixed two windows.
      if (request.params?.model !== options.model) {
        throw new ProviderError({
          kind: 'invalid_request',
          provider: 'anthropic',
          message: `batch line ${request.custom_id} is for model ${String(request.params?.model)}, not ${options.model}`,
          code: 'mixed_models',
          providerRequestId: null,
        });
      }
      requests.push(request);
    }
    if (requests.length === 0) {
      throw new ProviderError({
        kind: 'invalid_request',
        provider: 'anthropic',
        message: 'batch input has no requests',
        code: 'empty_batch',
        providerRequestId: null,
      });
    }
    const batch = await this.client.messages.batches.create({ requests }).catch(rethrowAnthropic);
    return { batchId: batch.id, inputFileId: null, requestCount: requests.length, bytes: meter.bytes, raw: batch };
  }

  async poll(batchId: string): Promise<BatchState> {
    const batch = await this.client.messages.batches.retrieve(batchId).catch(rethrowAnthropic);
    return anthropicBatchState(batch);
  }

  async cancel(batchId: string): Promise<BatchState> {
    const batch = await this.client.messages.batches.cancel(batchId).catch(rethrowAnthropic);
    return anthropicBatchState(batch);
  }

  async *recent(since: Date): AsyncGenerator<ProviderBatchSummary> {
    try {
      for await (const batch of this.client.messages.batches.list({ limit: 100 })) {
        const createdAt = new Date(batch.created_at);
        if (createdAt < since) return;
        const state = anthropicBatchState(batch);
        yield { batchId: batch.id, createdAt, status: state.status, requestCount: state.counts.total, metadata: null };
      }
    } catch (error) {
      rethrowAnthropic(error);
    }
  }

  async *results(batchId: string): AsyncGenerator<BatchResult> {
    const state = await this.poll(batchId);
    const batch = state.raw as MessageBatch;
    // The SDK would throw a bare AnthropicError here; say plainly that it is too early.
    if (batch.processing_status !== 'ended') {
      throw new ProviderError({
        kind: 'invalid_request',
        provider: 'anthropic',
        message: `batch ${batchId} is ${state.status}; results exist once it has ended`,
        code: 'batch_not_ready',
        providerRequestId: null,
      });
    }
    try {
      // The SDK's JSONL decoder parses the results download line by line as it arrives.
      for await (const line of await this.client.messages.batches.results(batchId)) {
        yield anthropicBatchResult(line);
      }
    } catch (error) {
      rethrowAnthropic(error);
    }
  }
}

export function buildAnthropicBatchLine(customId: string, body: Record<string, unknown>, operation: Operation): Buffer {
  if (operation !== 'chat') throw unsupportedOperation(operation);
  if (typeof customId !== 'string' || !CUSTOM_ID.test(customId)) {
    throw new ProviderError({
      kind: 'invalid_request',
      provider: 'anthropic',
      message: `custom_id ${JSON.stringify(customId)} must match ${CUSTOM_ID.source}`,
      code: 'invalid_custom_id',
      providerRequestId: null,
    });
  }
  const params = anthropicMessagesBody(body);
  // max_tokens 0 (cache pre-warming) is refused inside a batch.
  if (params.max_tokens === 0) {
    throw new ProviderError({
      kind: 'invalid_request',
      provider: 'anthropic',
      message: 'max_tokens 0 is not allowed in a batch',
      code: 'invalid_max_tokens',
      providerRequestId: null,
    });
  }
  return Buffer.from(`${JSON.stringify({ custom_id: customId, params })}\n`, 'utf8');
}

/**
 * Anthropic has three processing states; an ended batch is reported as `cancelled` when a cancel was
 * asked for, `expired` when the 24 h window closed on unfinished requests, else `completed`. Its
 * counters stay at zero (all `processing`) until the whole batch ends.
 */
export function anthropicBatchState(batch: MessageBatch): BatchState {
  const c = batch.request_counts;
  const failed = c.errored + c.expired + c.canceled;
  return {
    batchId: batch.id,
    status: anthropicStatus(batch),
    counts: { total: c.processing + c.succeeded + failed, completed: c.succeeded, failed },
    raw: batch,
  };
}

function anthropicStatus(batch: MessageBatch): BatchStatus {
  switch (batch.processing_status) {
    case 'in_progress':
      return 'in_progress';
    case 'canceling':
      return 'cancelling';
    case 'ended':
      if (batch.cancel_initiated_at) return 'cancelled';
      return batch.request_counts.expired > 0 ? 'expired' : 'completed';
  }
}

export function anthropicBatchResult(line: MessageBatchIndividualResponse): BatchResult {
  const customId = line.custom_id;
  const result = line.result;
  switch (result.type) {
    case 'succeeded':
      return {
        customId,
        ok: true,
        response: result.message,
        usage: anthropicUsage(result.message.usage),
        providerRequestId: null,
      };
    case 'errored':
      return { customId, ok: false, error: anthropicFailure(undefined, result.error, null) };
    case 'canceled':
      return { customId, ok: false, error: unexecuted('batch_cancelled', 'the batch was cancelled before this request ran') };
    case 'expired':
      return { customId, ok: false, error: unexecuted('batch_expired', 'the batch window closed before this request ran') };
  }
}

/** Same codes as OpenAI's for requests a batch never ran, so callers handle both providers alike. */
function unexecuted(code: 'batch_cancelled' | 'batch_expired', message: string): ProviderFailure {
  return { kind: 'retryable', provider: 'anthropic', message, code, providerRequestId: null };
}

function unsupportedOperation(operation: Operation): ProviderError {
  return new ProviderError({
    kind: 'unsupported',
    provider: 'anthropic',
    message: `Anthropic batches support chat only, not ${operation}`,
    code: 'operation_unavailable',
    providerRequestId: null,
  });
}
