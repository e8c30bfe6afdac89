import { ErrorCode, InferenceResultV1, LaneRequestV1, resultIdFor } from '@sluice/contracts';
import { costOf, ProviderUsage, RealtimeTier } from '@sluice/providers';
import type { WorkerLane } from '../limiter/concurrency.limiter';
import type { ProviderTarget } from '../targets/provider.target';
import type { WorkerFailure } from './failure.mapping';

/** A call the provider answered, with what it answered. */
export interface ServedCall {
  target: ProviderTarget;
  tier: RealtimeTier;
  /** The provider's own response body. */
  response: unknown;
  usage: ProviderUsage;
  /** The provider's id of this call (or the worker's, when it sent none): what the ledger books its spend under. */
  providerRequestId: string;
}

/** The deadline this lane had to meet: the router's (the request's own, or the policy default). */
export function laneDeadline(laneRequest: LaneRequestV1): string | undefined {
  return laneRequest.routing.deadline ?? laneRequest.deadline;
}

export function succeededResult(laneRequest: LaneRequestV1, lane: WorkerLane, served: ServedCall, completedAt: Date): InferenceResultV1 {
  return {
    ...common(laneRequest, lane, served.target, completedAt),
    status: 'succeeded',
    providerRequestId: served.providerRequestId,
    response: served.response as Record<string, unknown>,
    usage: { ...served.usage },
    cost: costOf(served.target, served.usage, served.tier).cost,
  };
}

/** Nothing was billed for a failure the worker reports (failed and rate-limited calls are not charged). */
export function failedResult(
  laneRequest: LaneRequestV1,
  lane: WorkerLane,
  target: ProviderTarget,
  failure: WorkerFailure,
  completedAt: Date,
): InferenceResultV1 {
  return {
    ...common(laneRequest, lane, target, completedAt),
    status: 'failed',
    error: { ...failure },
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
  };
}

/**
 * The result as it can go out: unchanged when its JSON fits in `maxBytes`, otherwise a failed result
 * PAYLOAD_TOO_LARGE in its place. The broker refuses a record over its limit on every try, so such a
 * result could never be published: its message would be retried and dead-lettered, the provider's
 * bill never booked and the user never answered. The failure keeps the call's usage and cost (the
 * provider billed it) and says how to ask for less.
 */
export function fittingResult(result: InferenceResultV1, maxBytes: number): InferenceResultV1 {
  if (result.status !== 'succeeded') return result;
  const bytes = Buffer.byteLength(JSON.stringify(result));
  if (bytes <= maxBytes) return result;
  const { response: _response, ...rest } = result;
  return {
    ...rest,
    status: 'failed',
    error: {
      code: ErrorCode.PAYLOAD_TOO_LARGE,
      message:
        `the provider's answer makes a result of ${bytes} bytes, more than the ${maxBytes} a result may have on the broker; ` +
        'ask for fewer inputs per request or fewer dimensions',
      retryable: false,
      ...(result.providerRequestId !== undefined && { providerRequestId: result.providerRequestId }),
    },
  };
}

type CommonFields = Omit<InferenceResultV1, 'status' | 'response' | 'error' | 'usage' | 'cost'>;

/**
 * The result id depends only on the lane message (tenant, request id, lane, routing attempt), so a
 * redelivered message yields a result with the same id and the notifier books it once. The model is
 * the one asked for (or its fallback), not the dated snapshot that served it, so completions and
 * learned estimates group under the name the router routes by; the response body names the snapshot.
 */
function common(laneRequest: LaneRequestV1, lane: WorkerLane, target: ProviderTarget, completedAt: Date): CommonFields {
  const { request, routing } = laneRequest;
  const deadline = laneDeadline(laneRequest);
  return {
    id: request.id,
    tenant: request.tenant,
    resultId: resultIdFor(request.tenant, request.id, lane, routing.attempt),
    lane,
    provider: target.provider,
    model: target.model,
    timings: {
      receivedAt: laneRequest.receivedAt,
      routedAt: routing.routedAt,
      completedAt: completedAt.toISOString(),
    },
    ...(deadline !== undefined && { deadline, deadlineMet: completedAt.getTime() <= Date.parse(deadline) }),
    ...(request.metadata && { metadata: { ...request.metadata } }),
  };
}
