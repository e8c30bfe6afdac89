import type { Operation } from '../policy/routing-policy';
import type { RequestedMode, RouteInput } from './route-request';

/**
 * What routing reads of an accepted request (AcceptedRequestV1 has this shape): stated here, not
 * imported, so this library stays free of the message contracts.
 */
export interface AcceptedForRouting {
  request: { tenant: string; provider: string; operation: Operation; mode: RequestedMode; stream: boolean; notBefore?: string; body: { model: string } };
  /** The request's own deadline made absolute, when it gave one. */
  deadline?: string;
  receivedAt: string;
}

function epochMs(instant: string | undefined): number | undefined {
  return instant === undefined ? undefined : Date.parse(instant);
}

/** The routing input of an accepted request: the same at the door (intakePath) and in the router. */
export function routeInputOf(accepted: AcceptedForRouting): RouteInput {
  const { request } = accepted;
  return {
    tenant: request.tenant,
    provider: request.provider,
    model: request.body.model,
    operation: request.operation,
    mode: request.mode,
    stream: request.stream,
    deadlineMs: epochMs(accepted.deadline),
    notBeforeMs: epochMs(request.notBefore),
    receivedAtMs: Date.parse(accepted.receivedAt),
  };
}
