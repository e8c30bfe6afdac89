import type { Operation, ProviderName } from './pricing/pricing';
import type { ProviderFailure } from './errors/provider-error';
import type { ProviderUsage } from './realtime.interface';

export interface BatchLimits {
  maxRequests: number;
  /** Size of the submitted JSONL in bytes (decimal megabytes, so staying under is staying under either way). */
  maxBytes: number;
  /** Embedding inputs summed over all requests of one batch; null when the provider has no embedding batches. */
  maxEmbeddingInputs: number | null;
}

export type BatchStatus = 'validating' | 'in_progress' | 'finalizing' | 'completed' | 'failed' | 'expired' | 'cancelling' | 'cancelled';

export const TERMINAL_BATCH_STATUSES: ReadonlySet<BatchStatus> = new Set(['completed', 'failed', 'expired', 'cancelled']);

export interface BatchSubmitOptions {
  operation: Operation;
  /**
   * Every line of one batch targets this model (OpenAI requires one model per input file). Anthropic
   * submits check it line by line; OpenAI's are checked by OpenAI, whose validation fails the batch.
   */
  model: string;
  /** Up to 16 pairs; keys ≤ 64 chars, values ≤ 512 chars. Anthropic has no batch metadata and drops it. */
  metadata?: Record<string, string>;
}

/**
 * JSONL bytes as produced by `buildLine`: chunk boundaries need not match line boundaries. A string is
 * a path to such a file.
 */
export type BatchInput = AsyncIterable<Buffer | string> | Iterable<Buffer> | string;

export interface SubmittedBatch {
  batchId: string;
  /** OpenAI's uploaded input file; null for Anthropic, whose requests go inline. */
  inputFileId: string | null;
  /** Lines and bytes actually submitted. */
  requestCount: number;
  bytes: number;
  raw: unknown;
}

export interface BatchCounts {
  total: number;
  completed: number;
  failed: number;
}

export interface BatchState {
  batchId: string;
  status: BatchStatus;
  counts: BatchCounts;
  /** The provider's own batch object. */
  raw: unknown;
}

/** A batch as the provider lists it. */
export interface ProviderBatchSummary {
  batchId: string;
  createdAt: Date;
  status: BatchStatus;
  /** 0 while OpenAI is still validating the input file. */
  requestCount: number;
  /** What the batch was created with; always null for Anthropic, whose batches carry none. */
  metadata: Record<string, string> | null;
}

export type BatchResult =
  | { customId: string; ok: true; response: unknown; usage: ProviderUsage; providerRequestId: string | null }
  | { customId: string; ok: false; error: ProviderFailure };

export interface BatchAdapter {
  readonly provider: ProviderName;
  limits(): BatchLimits;
  /** One JSONL line (newline included) for the provider's batch input; throws ProviderError on a body it would refuse. */
  buildLine(customId: string, body: Record<string, unknown>, operation: Operation): Buffer;
  submit(lines: BatchInput, options: BatchSubmitOptions): Promise<SubmittedBatch>;
  poll(batchId: string): Promise<BatchState>;
  /**
   * Every request's outcome, read line by line from the provider's result files as they download (never
   * the whole file in memory), in the provider's order: match on `customId`. Expired and cancelled
   * requests come back as failures with code `batch_expired` / `batch_cancelled`.
   */
  results(batchId: string): AsyncIterable<BatchResult>;
  cancel(batchId: string): Promise<BatchState>;
  /**
   * The provider's batches created at or after `since`, newest first, read page by page: how a batch
   * whose creation was answered just before a crash (so Sluice never recorded its id) is found again.
   */
  recent(since: Date): AsyncIterable<ProviderBatchSummary>;
}
