import { LaneRequestV1, resultIdFor } from '@sluice/contracts';
import { createHash } from 'node:crypto';
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

/** Where a lane message was read: its topic, partition and offset. */
export interface LanePlace {
  topic: string;
  partition: number;
  offset: string;
}

/**
 * The id a lane message's provider call is written ahead under: the same for the same message read
 * again by this process (`incarnation`, random per process), which adopts the call still running for
 * it rather than making another, so its second write finds the first row instead of leaving one no
 * answer ever closes; another for a process that reads it after a crash, whose call is another call.
 */
export function callIdFor(incarnation: string, { topic, partition, offset }: LanePlace): string {
  const hex = createHash('sha256').update(`${incarnation}\u0000${topic}\u0000${partition}\u0000${offset}`).digest('hex');
  // UUID layout, version 8 (custom), RFC 4122 variant.
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
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
