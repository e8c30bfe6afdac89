import { LaneRequestV1, resultIdFor } from '@sluice/contracts';
import type { CallAhead } from '@sluice/ledger';
import { DEFAULT_PROVIDER_TIMEOUT_MS } from '@sluice/providers';
import type { WorkerLane } from '../limiter/concurrency.limiter';
import { laneDeadline } from '../result/result.builder';
import type { ProviderRetryPolicy } from '../retry/retry.planner';

/**
 * The longest a lane message's calls can run without a deadline: every attempt on the requested
 * target and its fallback, each up to the client's timeout and the longest backoff before it.
 */
export function longestCallMs(policy: Pick<ProviderRetryPolicy, 'maxAttempts' | 'maxDelayMs'>): number {
  return 2 * policy.maxAttempts * (DEFAULT_PROVIDER_TIMEOUT_MS + policy.maxDelayMs);
}

/**
 * The provider call a lane message is about to get, as the ledger writes it ahead: the answer it
 * would be, the router's estimate of its cost in this lane, and when it is over for sure (the
 * deadline bounds every attempt; without one, longestCallMs does).
 */
export function callAhead(laneRequest: LaneRequestV1, lane: WorkerLane, callId: string, now: number, longestMs: number): CallAhead {
  const { request, routing } = laneRequest;
  const deadline = laneDeadline(laneRequest);
  const bound = now + longestMs;
  return {
    callId,
    resultId: resultIdFor(request.tenant, request.id, lane, routing.attempt),
    lane,
    provider: request.provider,
    model: request.body.model,
    estimatedCostUsd: lane === routing.lane ? routing.estimatedCostUsd : routing.realtimeCostUsd,
    expiresAt: new Date(deadline === undefined ? bound : Math.min(Date.parse(deadline), bound)),
  };
}
