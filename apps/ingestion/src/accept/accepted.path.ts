import type { AcceptedRequestV1 } from '@sluice/contracts';
import { findModelPrice } from '@sluice/providers/pricing/pricing';
import { type IntakePath, intakePath, type RoutingPolicy } from '@sluice/routing';

function epochMs(instant: string | undefined): number | undefined {
  return instant === undefined ? undefined : Date.parse(instant);
}

/** The path of an accepted request as the router will see it: its resolved deadline, receipt time and the model's lanes. */
export function acceptedPath(accepted: AcceptedRequestV1, policy: RoutingPolicy, now: Date): IntakePath {
  const { request } = accepted;
  return intakePath(
    {
      tenant: request.tenant,
      provider: request.provider,
      model: request.body.model,
      operation: request.operation,
      mode: request.mode,
      stream: request.stream,
      deadlineMs: epochMs(accepted.deadline),
      notBeforeMs: epochMs(request.notBefore),
      receivedAtMs: Date.parse(accepted.receivedAt),
      modelLanes: findModelPrice(request.provider, request.body.model)?.lanes,
    },
    policy,
    now.getTime(),
  );
}
