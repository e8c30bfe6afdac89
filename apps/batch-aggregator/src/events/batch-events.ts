import { eventSubjectOf, LaneRequestV1, LifecycleEventV1, lifecycleEventId } from '@sluice/contracts';
import { laneDeadlineOf } from '../results/batch-result.builder';

export interface BatchRef {
  /** Sluice's batch id (the ledger's). */
  id: string;
  providerBatchId?: string | null;
}

function base(laneRequest: LaneRequestV1, type: LifecycleEventV1['type'], at: Date, discriminator: string | number): LifecycleEventV1 {
  const { request } = laneRequest;
  const deadline = laneDeadlineOf(laneRequest);
  return {
    eventId: lifecycleEventId(request.tenant, request.id, type, discriminator),
    type,
    at: at.toISOString(),
    ...eventSubjectOf(request),
    ...(deadline !== undefined && { deadline }),
  };
}

/** The request is recorded in a batch that is about to be submitted. */
export function batchedEvent(laneRequest: LaneRequestV1, batch: BatchRef, at: Date): LifecycleEventV1 {
  return { ...base(laneRequest, 'batched', at, batch.id), lane: 'batch', batchId: batch.id };
}

/** The provider accepted the batch holding the request. */
export function submittedEvent(laneRequest: LaneRequestV1, batch: BatchRef, at: Date): LifecycleEventV1 {
  return {
    ...base(laneRequest, 'submitted', at, batch.id),
    lane: 'batch',
    batchId: batch.id,
    ...(batch.providerBatchId && { providerBatchId: batch.providerBatchId }),
  };
}

/** How far the request's batch has got; one event per distinct count, so a repeat after a crash has the same id. */
export function progressEvent(laneRequest: LaneRequestV1, batch: BatchRef, progress: { done: number; total: number }, at: Date): LifecycleEventV1 {
  return {
    ...base(laneRequest, 'progress', at, `${batch.id}.${progress.done}`),
    lane: 'batch',
    batchId: batch.id,
    ...(batch.providerBatchId && { providerBatchId: batch.providerBatchId }),
    progress: { done: progress.done, total: Math.max(1, progress.total) },
  };
}

/** The request left the batch lane for the realtime lane, at routing attempt `attempt`. */
export function escalatedEvent(laneRequest: LaneRequestV1, reason: string, attempt: number, at: Date, batch?: BatchRef): LifecycleEventV1 {
  return {
    ...base(laneRequest, 'escalated', at, attempt),
    lane: 'realtime',
    reason,
    ...(batch && { batchId: batch.id }),
    ...(batch?.providerBatchId && { providerBatchId: batch.providerBatchId }),
  };
}
