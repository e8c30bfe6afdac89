import type { Lane } from '@sluice/contracts';

// Its own module: the requests repository (routeMany writes holds) and the scheduled lane messages
// repository (which reads request statuses) both need it, and must not import each other.
export type HeldLane = Exclude<Lane, 'cache'>;

/** A lane message that must not reach its lane before `releaseAt` (the request's notBefore). */
export interface HeldLaneMessage {
  tenant: string;
  requestId: string;
  lane: HeldLane;
  releaseAt: Date;
  /** The lane message as it is to be published (a LaneRequestV1, provider body included), stored as JSON. */
  message: object;
  correlationId?: string;
  traceparent?: string;
}
