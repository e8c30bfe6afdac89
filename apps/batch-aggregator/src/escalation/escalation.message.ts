import { LaneRequestV1 } from '@sluice/contracts';
import { laneDeadlineOf } from '../results/batch-result.builder';

/**
 * The lane message that re-issues a batched request on the realtime lane: the same request, routed
 * again with the next attempt (so the realtime result's id differs from any batch result's) and the
 * deadline it always had.
 */
export function escalationOf(laneRequest: LaneRequestV1, reason: string, attempt: number, at: Date): LaneRequestV1 {
  const deadline = laneDeadlineOf(laneRequest);
  return {
    ...laneRequest,
    routing: {
      lane: 'realtime',
      reason,
      estimatedCostUsd: laneRequest.routing.realtimeCostUsd,
      realtimeCostUsd: laneRequest.routing.realtimeCostUsd,
      routedAt: at.toISOString(),
      ...(deadline !== undefined && { deadline }),
      escalatedFrom: 'batch',
      attempt,
    },
  };
}
