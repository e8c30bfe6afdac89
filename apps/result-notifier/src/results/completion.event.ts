import { InferenceResultV1, lifecycleEventId, LifecycleEventV1 } from '@sluice/contracts';

/**
 * The `completed` or `failed` event of a delivered result. Everything in it comes from the result,
 * so publishing it again after a crash gives the very same event, id included.
 */
export function completionEvent(result: InferenceResultV1): LifecycleEventV1 {
  const type = result.status === 'succeeded' ? 'completed' : 'failed';
  return {
    eventId: lifecycleEventId(result.tenant, result.id, type),
    type,
    requestId: result.id,
    tenant: result.tenant,
    at: result.timings.completedAt,
    lane: result.lane,
    resultId: result.resultId,
    provider: result.provider,
    model: result.model,
    error: result.error === undefined ? undefined : { code: result.error.code, message: result.error.message },
    costUsd: result.cost.usd,
    realtimeCostUsd: result.cost.realtimeUsd,
    savedUsd: result.cost.savedUsd,
    deadline: result.deadline,
    deadlineMet: result.deadlineMet,
    metadata: result.metadata,
  };
}
