import type { FacadeBatchRecord } from '@sluice/ledger';
import type { BatchProgress } from '../batches/batch-jobs';

export type BatchStatus = 'validating' | 'failed' | 'in_progress' | 'finalizing' | 'completed' | 'expired' | 'cancelling' | 'cancelled';

/** The files a batch's results are read from; made when read, from the batch's requests. */
export function outputFileId(batchId: string): string {
  return `file-${batchId}-output`;
}

export function errorFileId(batchId: string): string {
  return `file-${batchId}-errors`;
}

/** The batch an output or error file id belongs to, and which of the two it is. */
export function resultFileOf(fileId: string): { batchId: string; kind: 'output' | 'errors' } | undefined {
  const match = /^file-(.+)-(output|errors)$/.exec(fileId);
  return match === null ? undefined : { batchId: match[1], kind: match[2] as 'output' | 'errors' };
}

function seconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}

/**
 * OpenAI's Batch object for a facade batch. Its lines are the requests of the job of the same id:
 * `validating` while they are read in, `in_progress` while any is unanswered, then `completed` (or
 * `cancelled` for a batch cancelled meanwhile: Sluice does not take back requests already handed to
 * it, so a cancelled batch's lines still end, and are delivered, before it says so); `failed` when
 * validation refused its file. Counts: refused lines count as failed.
 */
export function batchObject(batch: FacadeBatchRecord, progress: BatchProgress): Record<string, unknown> {
  const { job, counts } = progress;
  const total = job?.lines ?? 0;
  const failed = counts.failed + (job?.invalidLines ?? 0);
  const ended = counts.succeeded + failed;
  const read = job !== undefined && job.status !== 'receiving';
  const done = batch.errors === null && read && ended >= total;
  let status: BatchStatus;
  if (batch.errors !== null) status = 'failed';
  else if (!read) status = batch.cancelledAt !== null ? 'cancelling' : 'validating';
  else if (batch.cancelledAt !== null) status = done ? 'cancelled' : 'cancelling';
  else status = done ? 'completed' : 'in_progress';
  const endedAt = job === undefined ? null : seconds(job.updatedAt);
  return {
    id: batch.id,
    object: 'batch',
    endpoint: batch.endpoint,
    errors: batch.errors === null ? null : { object: 'list', data: batch.errors },
    input_file_id: batch.inputFileId,
    completion_window: batch.completionWindow,
    status,
    output_file_id: done && counts.succeeded > 0 ? outputFileId(batch.id) : null,
    error_file_id: done && failed > 0 ? errorFileId(batch.id) : null,
    created_at: seconds(batch.createdAt),
    in_progress_at: read && batch.errors === null ? seconds(job.receivedAt ?? batch.createdAt) : null,
    expires_at: seconds(batch.deadline),
    finalizing_at: null,
    completed_at: status === 'completed' ? endedAt : null,
    failed_at: status === 'failed' ? seconds(batch.createdAt) : null,
    expired_at: null,
    cancelling_at: batch.cancelledAt === null ? null : seconds(batch.cancelledAt),
    cancelled_at: status === 'cancelled' ? endedAt : null,
    request_counts: { total, completed: counts.succeeded, failed },
    metadata: batch.metadata,
  };
}
