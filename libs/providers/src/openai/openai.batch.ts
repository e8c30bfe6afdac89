import type OpenAI from 'openai';
import { toStreamingFile } from 'openai';
import type { Batch, BatchCreateParams } from 'openai/resources/batches';
import type { FileObject } from 'openai/resources/files';
import type { Operation } from '../pricing/pricing';
import { ProviderError, ProviderFailure } from '../errors/provider-error';
import { requireModel } from '../body/request-body';
import {
  BatchAdapter,
  BatchInput,
  BatchLimits,
  BatchResult,
  BatchState,
  BatchStatus,
  BatchSubmitOptions,
  ProviderBatchSummary,
  SubmittedBatch,
  TERMINAL_BATCH_STATUSES,
} from '../batch.interface';
import { BatchInputMeter } from '../batch/batch-input.meter';
import { batchInputChunks, jsonlLines, webStreamChunks } from '../jsonl/jsonl.lines';
import { openAIFailureFromHttp, rethrowOpenAI } from './openai.errors';
import { openAIUsage } from './openai.usage';

/** OpenAI batch limits: 50,000 requests and a 200 MB input file per batch, 50,000 embedding inputs. */
export const OPENAI_BATCH_LIMITS: BatchLimits = {
  maxRequests: 50_000,
  maxBytes: 200_000_000,
  maxEmbeddingInputs: 50_000,
};

const ENDPOINTS: Readonly<Record<Operation, BatchCreateParams['endpoint']>> = {
  chat: '/v1/chat/completions',
  embedding: '/v1/embeddings',
};

const STATUSES: ReadonlySet<string> = new Set<BatchStatus>([
  'validating',
  'in_progress',
  'finalizing',
  'completed',
  'failed',
  'expired',
  'cancelling',
  'cancelled',
]);

export class OpenAIBatchAdapter implements BatchAdapter {
  readonly provider = 'openai' as const;

  constructor(private readonly client: OpenAI) {}

  limits(): BatchLimits {
    return OPENAI_BATCH_LIMITS;
  }

  buildLine(customId: string, body: Record<string, unknown>, operation: Operation): Buffer {
    return buildOpenAIBatchLine(customId, body, operation);
  }

  /**
   * Streams the JSONL into a Files upload (never a whole file in memory), then creates the batch. The
   * upload is not retried by the SDK: a consumed stream cannot be replayed.
   */
  async submit(input: BatchInput, options: BatchSubmitOptions): Promise<SubmittedBatch> {
    const meter = new BatchInputMeter('openai', OPENAI_BATCH_LIMITS);
    // The file name is what an operator sees in the provider's dashboard.
    const name = `sluice-${options.operation}-${options.model}.jsonl`;
    const upload = toStreamingFile(meter.measure(batchInputChunks(input)), name, { type: 'application/jsonl' });
    let file: FileObject;
    try {
      file = await this.client.files.create({ file: upload, purpose: 'batch' }, { maxRetries: 0 });
    } catch (error) {
      // When the meter cut the upload short, the SDK only saw a broken request body.
      throw meter.violation ?? rethrowOpenAI(error);
    }
    try {
      if (meter.requests === 0) {
        throw new ProviderError({
          kind: 'invalid_request',
          provider: 'openai',
          message: 'batch input has no requests',
          code: 'empty_batch',
          providerRequestId: null,
        });
      }
      const batch = await this.client.batches.create({
        input_file_id: file.id,
        endpoint: ENDPOINTS[options.operation],
        completion_window: '24h',
        ...(options.metadata && { metadata: options.metadata }),
      });
      return { batchId: batch.id, inputFileId: file.id, requestCount: meter.requests, bytes: meter.bytes, raw: batch };
    } catch (error) {
      // The input file would otherwise sit in the project's storage for 30 days.
      await this.client.files.delete(file.id).catch(() => undefined);
      rethrowOpenAI(error);
    }
  }

  async poll(batchId: string): Promise<BatchState> {
    const batch = await this.client.batches.retrieve(batchId).catch(rethrowOpenAI);
    return openAIBatchState(batch);
  }

  async cancel(batchId: string): Promise<BatchState> {
    const batch = await this.client.batches.cancel(batchId).catch(rethrowOpenAI);
    return openAIBatchState(batch);
  }

  async *recent(since: Date): AsyncGenerator<ProviderBatchSummary> {
    const sinceSeconds = Math.floor(since.getTime() / 1000);
    try {
      for await (const batch of this.client.batches.list({ limit: 100 })) {
        if (batch.created_at < sinceSeconds) return;
        const state = openAIBatchState(batch);
        yield {
          batchId: batch.id,
          createdAt: new Date(batch.created_at * 1000),
          status: state.status,
          requestCount: state.counts.total,
          metadata: (batch.metadata as Record<string, string> | null | undefined) ?? null,
        };
      }
    } catch (error) {
      if (error instanceof ProviderError) throw error;
      rethrowOpenAI(error);
    }
  }

  async *results(batchId: string): AsyncGenerator<BatchResult> {
    const batch = await this.client.batches.retrieve(batchId).catch(rethrowOpenAI);
    const state = openAIBatchState(batch);
    if (!TERMINAL_BATCH_STATUSES.has(state.status)) {
      throw new ProviderError({
        kind: 'invalid_request',
        provider: 'openai',
        message: `batch ${batchId} is ${state.status}; results exist once it has ended`,
        code: 'batch_not_ready',
        providerRequestId: null,
      });
    }
    for (const fileId of [batch.output_file_id, batch.error_file_id]) {
      if (!fileId) continue;
      const response = await this.client.files.content(fileId).catch(rethrowOpenAI);
      if (!response.body) continue;
      for await (const line of downloadLines(fileId, response.body as ReadableStream<Uint8Array>)) {
        yield openAIBatchResult(line);
      }
    }
  }
}

/** A result file's lines; a download that breaks off or a line that is not JSON can be fetched again. */
async function* downloadLines(fileId: string, body: ReadableStream<Uint8Array>): AsyncGenerator<OpenAIBatchOutputLine> {
  try {
    for await (const line of jsonlLines(webStreamChunks(body))) {
      yield JSON.parse(line) as OpenAIBatchOutputLine;
    }
  } catch (error) {
    throw new ProviderError(
      {
        kind: 'retryable',
        provider: 'openai',
        message: `reading batch result file ${fileId} failed: ${error instanceof Error ? error.message : String(error)}`,
        code: 'download_failed',
        providerRequestId: null,
      },
      { cause: error },
    );
  }
}

export function buildOpenAIBatchLine(customId: string, body: Record<string, unknown>, operation: Operation): Buffer {
  if (typeof customId !== 'string' || customId.length === 0) {
    throw new ProviderError({
      kind: 'invalid_request',
      provider: 'openai',
      message: 'a batch line needs a custom_id',
      code: 'invalid_custom_id',
      providerRequestId: null,
    });
  }
  requireModel('openai', body);
  // A batch request cannot stream.
  const { stream: _stream, stream_options: _streamOptions, ...rest } = body;
  const line = { custom_id: customId, method: 'POST', url: ENDPOINTS[operation], body: rest };
  return Buffer.from(`${JSON.stringify(line)}\n`, 'utf8');
}

export function openAIBatchState(batch: Batch): BatchState {
  if (!STATUSES.has(batch.status)) {
    throw new ProviderError({
      kind: 'retryable',
      provider: 'openai',
      message: `batch ${batch.id} has an unknown status ${String(batch.status)}`,
      code: 'unknown_batch_status',
      providerRequestId: null,
    });
  }
  const counts = batch.request_counts;
  return {
    batchId: batch.id,
    status: batch.status,
    counts: { total: counts?.total ?? 0, completed: counts?.completed ?? 0, failed: counts?.failed ?? 0 },
    raw: batch,
  };
}

/** One line of a batch output or error file. */
export interface OpenAIBatchOutputLine {
  id?: string;
  custom_id: string;
  response?: { status_code: number; request_id?: string | null; body?: unknown } | null;
  error?: { code?: string | null; message?: string | null } | null;
}

export function openAIBatchResult(line: OpenAIBatchOutputLine): BatchResult {
  const customId = line.custom_id;
  const response = line.response;
  if (response && response.status_code >= 200 && response.status_code < 300) {
    const body = response.body as { usage?: Parameters<typeof openAIUsage>[0] } | undefined;
    return {
      customId,
      ok: true,
      response: response.body,
      usage: openAIUsage(body?.usage),
      providerRequestId: response.request_id ?? null,
    };
  }
  if (response) {
    const envelope = response.body as { error?: Parameters<typeof openAIFailureFromHttp>[1] } | undefined;
    return {
      customId,
      ok: false,
      error: openAIFailureFromHttp(response.status_code, envelope?.error, response.request_id ?? null),
    };
  }
  return { customId, ok: false, error: unexecutedFailure(line.error) };
}

/** A request the batch never ran (expired, cancelled) or that timed out: worth running again elsewhere. */
function unexecutedFailure(error: OpenAIBatchOutputLine['error']): ProviderFailure {
  return {
    kind: 'retryable',
    provider: 'openai',
    message: error?.message ?? 'the batch returned neither a response nor an error for this request',
    code: error?.code ?? null,
    providerRequestId: null,
  };
}
