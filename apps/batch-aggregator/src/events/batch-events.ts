import { eventSubjectOf, LaneRequestV1, LifecycleEventV1, lifecycleEventId, type Operation, type Provider } from '@sluice/contracts';
import type { BatchItemSubject } from '@sluice/ledger';
import { laneDeadlineOf } from '../results/batch-result.builder';

export interface BatchRef {
  /** Sluice's batch id (the ledger's). */
  id: string;
  providerBatchId?: string | null;
}

/** What a request's lifecycle event says of it: who asked, for what, and the deadline the batch lane had to meet. */
export interface EventSubject {
  id: string;
  tenant: string;
  provider: Provider;
  operation: Operation;
  model: string;
  metadata?: Record<string, string>;
  deadline?: string;
}

export function laneSubject(laneRequest: LaneRequestV1): EventSubject {
  const { request } = laneRequest;
  const deadline = laneDeadlineOf(laneRequest);
  return {
    id: request.id,
    tenant: request.tenant,
    provider: request.provider,
    operation: request.operation,
    model: request.body.model,
    ...(request.metadata && { metadata: request.metadata }),
    ...(deadline !== undefined && { deadline }),
  };
}

/** A batch item's subject as the ledger has it: what its batch holds (provider, operation, model) and the item's own fields. */
export function itemSubject(item: BatchItemSubject, batch: { provider: Provider; operation: Operation; model: string }): EventSubject {
  return {
    id: item.requestId,
    tenant: item.tenant,
    provider: batch.provider,
    operation: batch.operation,
    model: batch.model,
    ...(item.metadata !== null && { metadata: item.metadata }),
    ...(item.deadline !== null && { deadline: item.deadline }),
  };
}

function base(subject: EventSubject, type: LifecycleEventV1['type'], at: Date, discriminator: string | number): LifecycleEventV1 {
  return {
    eventId: lifecycleEventId(subject.tenant, subject.id, type, discriminator),
    type,
    at: at.toISOString(),
    ...eventSubjectOf({ ...subject, body: { model: subject.model } }),
    ...(subject.deadline !== undefined && { deadline: subject.deadline }),
  };
}

/** The request is recorded in a batch that is about to be submitted. */
export function batchedEvent(subject: EventSubject, batch: BatchRef, at: Date): LifecycleEventV1 {
  return { ...base(subject, 'batched', at, batch.id), lane: 'batch', batchId: batch.id };
}

/** The provider accepted the batch holding the request. */
export function submittedEvent(subject: EventSubject, batch: BatchRef, at: Date): LifecycleEventV1 {
  return {
    ...base(subject, 'submitted', at, batch.id),
    lane: 'batch',
    batchId: batch.id,
    ...(batch.providerBatchId && { providerBatchId: batch.providerBatchId }),
  };
}

/** How far the request's batch has got; one event per distinct count, so a repeat after a crash has the same id. */
export function progressEvent(subject: EventSubject, batch: BatchRef, progress: { done: number; total: number }, at: Date): LifecycleEventV1 {
  return {
    ...base(subject, 'progress', at, `${batch.id}.${progress.done}`),
    lane: 'batch',
    batchId: batch.id,
    ...(batch.providerBatchId && { providerBatchId: batch.providerBatchId }),
    progress: { done: progress.done, total: Math.max(1, progress.total) },
  };
}

/** The request left the batch lane for the realtime lane, at routing attempt `attempt`. */
export function escalatedEvent(laneRequest: LaneRequestV1, reason: string, attempt: number, at: Date, batch?: BatchRef): LifecycleEventV1 {
  return {
    ...base(laneSubject(laneRequest), 'escalated', at, attempt),
    lane: 'realtime',
    reason,
    ...(batch && { batchId: batch.id }),
    ...(batch?.providerBatchId && { providerBatchId: batch.providerBatchId }),
  };
}
