import { InferenceResultV1, LaneRequestV1, resultIdFor } from '@sluice/contracts';
import { costOf, type ProviderUsage, type ResultError } from '@sluice/providers';

/** The deadline the batch lane had to meet: the router's (the request's own or the policy default). */
export function laneDeadlineOf(laneRequest: LaneRequestV1): string | undefined {
  return laneRequest.routing.deadline ?? laneRequest.deadline;
}

type CommonFields = Omit<InferenceResultV1, 'status' | 'response' | 'error' | 'usage' | 'cost'>;

/**
 * The result id depends only on the request and the batch attempt, so publishing a line's result
 * again after a crash repeats the same id and the notifier books it once.
 */
function common(laneRequest: LaneRequestV1, attempt: number, completedAt: Date): CommonFields {
  const { request, routing } = laneRequest;
  const deadline = laneDeadlineOf(laneRequest);
  return {
    id: request.id,
    tenant: request.tenant,
    resultId: resultIdFor(request.tenant, request.id, 'batch', attempt),
    lane: 'batch',
    provider: request.provider,
    model: request.body.model,
    timings: { receivedAt: laneRequest.receivedAt, routedAt: routing.routedAt, completedAt: completedAt.toISOString() },
    ...(deadline !== undefined && { deadline, deadlineMet: completedAt.getTime() <= Date.parse(deadline) }),
    ...(request.metadata && { metadata: { ...request.metadata } }),
  };
}

/** A line the provider answered, priced at the batch tier, with what the realtime lane would have cost. */
export function batchSucceededResult(
  laneRequest: LaneRequestV1,
  attempt: number,
  answer: { response: unknown; usage: ProviderUsage },
  completedAt: Date,
): InferenceResultV1 {
  const { request } = laneRequest;
  return {
    ...common(laneRequest, attempt, completedAt),
    status: 'succeeded',
    response: answer.response as Record<string, unknown>,
    usage: { ...answer.usage },
    cost: costOf({ provider: request.provider, model: request.body.model }, answer.usage, 'batch').cost,
  };
}

/** A line the provider refused, or one Sluice gave up on: nothing was billed. */
export function batchFailedResult(laneRequest: LaneRequestV1, attempt: number, error: ResultError, completedAt: Date): InferenceResultV1 {
  return {
    ...common(laneRequest, attempt, completedAt),
    status: 'failed',
    error: { ...error },
    usage: { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 },
    cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
  };
}
