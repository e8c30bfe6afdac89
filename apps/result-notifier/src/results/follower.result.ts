import { InferenceResultV1, resultIdFor } from '@sluice/contracts';
import type { RequestRecord } from '@sluice/ledger';

/**
 * The answer of a request that waited on an identical one in flight: the leader's response (or
 * failure) under the follower's own ids, timings, deadline and metadata. It cost nothing; what it
 * would have cost on the realtime lane is saved. A failure carries no usage: nothing was spent on it.
 */
export function followerResult(leader: InferenceResultV1, follower: RequestRecord, completedAt: Date): InferenceResultV1 {
  const succeeded = leader.status === 'succeeded';
  const realtimeUsd = succeeded ? leader.cost.realtimeUsd : 0;
  return {
    id: follower.id,
    tenant: follower.tenant,
    resultId: resultIdFor(follower.tenant, follower.id, 'cache'),
    status: leader.status,
    lane: 'cache',
    provider: leader.provider,
    model: leader.model,
    response: leader.response,
    error: leader.error,
    usage: succeeded ? leader.usage : { inputTokens: 0, outputTokens: 0 },
    cost: { usd: 0, realtimeUsd, savedUsd: realtimeUsd },
    timings: {
      receivedAt: follower.receivedAt.toISOString(),
      routedAt: follower.routedAt?.toISOString(),
      completedAt: completedAt.toISOString(),
    },
    deadline: follower.deadline?.toISOString(),
    deadlineMet: follower.deadline === null ? undefined : completedAt.getTime() <= follower.deadline.getTime(),
    metadata: Object.keys(follower.metadata).length > 0 ? follower.metadata : undefined,
  };
}
