import type { AcceptedRequestV1 } from '@sluice/contracts';
import { findModelPrice } from '@sluice/providers/pricing/pricing';
import { type IntakePath, intakePath, routeInputOf, type RoutingPolicy } from '@sluice/routing';

/** The path of an accepted request as the router will see it: its resolved deadline, receipt time and the model's prices. */
export function acceptedPath(accepted: AcceptedRequestV1, policy: RoutingPolicy, now: Date): IntakePath {
  const { request } = accepted;
  return intakePath({ ...routeInputOf(accepted), pricing: findModelPrice(request.provider, request.body.model) }, policy, now.getTime());
}
