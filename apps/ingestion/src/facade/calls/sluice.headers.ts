import type { InferenceResultV1, Lane } from '@sluice/contracts';
import type { OutgoingHttpHeaders } from 'node:http';

/** Which Sluice request answered a facade call, the lane it took, and what it cost. */
export const SluiceHeaders = {
  RequestId: 'X-Sluice-Request-Id',
  Lane: 'X-Sluice-Lane',
  CostUsd: 'X-Sluice-Cost-Usd',
} as const;

/** The headers of a call answered at once. */
export function answerHeaders(requestId: string, result: InferenceResultV1): OutgoingHttpHeaders {
  return { [SluiceHeaders.RequestId]: requestId, [SluiceHeaders.Lane]: result.lane, [SluiceHeaders.CostUsd]: String(result.cost.usd) };
}

/**
 * The headers of a streamed answer, sent before its cost is known: the cost follows as a trailer
 * (announced here, so HTTP clients that read trailers expect it).
 */
export function streamHeaders(requestId: string, lane: Lane): OutgoingHttpHeaders {
  return { [SluiceHeaders.RequestId]: requestId, [SluiceHeaders.Lane]: lane, Trailer: SluiceHeaders.CostUsd };
}

/** The headers of a call that failed after Sluice took it: the request id to look it up by. */
export function failureHeaders(requestId: string | undefined, lane?: Lane, costUsd?: number): OutgoingHttpHeaders {
  return {
    ...(requestId !== undefined && { [SluiceHeaders.RequestId]: requestId }),
    ...(lane !== undefined && { [SluiceHeaders.Lane]: lane }),
    ...(costUsd !== undefined && { [SluiceHeaders.CostUsd]: String(costUsd) }),
  };
}
