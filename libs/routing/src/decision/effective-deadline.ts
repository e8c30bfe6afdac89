import { type Operation, type RoutingPolicy, operationPolicyFor } from '../policy/routing-policy';

export interface DeadlineInput {
  tenant: string;
  operation: Operation;
  /** The request's own absolute deadline (epoch ms), when it gave one. */
  deadlineMs?: number;
  receivedAtMs: number;
}

/**
 * The deadline a request is routed against: its own, or the policy default for its tenant and
 * operation counted from receipt (not from routing, so a backlog does not stretch it).
 */
export function effectiveDeadlineMs(policy: RoutingPolicy, input: DeadlineInput): number {
  return input.deadlineMs ?? input.receivedAtMs + operationPolicyFor(policy, input.tenant, input.operation).defaultDeadlineMs;
}
