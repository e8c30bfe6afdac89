import type { Operation } from '@sluice/contracts';
import { findModelPrice, RealtimeTier } from '@sluice/providers';
import type { WorkerLane } from '../limiter/concurrency.limiter';
import type { ProviderTarget } from './provider.target';

/**
 * The tier a call is made (and billed) at: async chat goes to the provider's flex tier where the
 * model's catalog entry prices one, since async work has the slack flex trades for its discount;
 * everything else is standard.
 */
export function tierFor(lane: WorkerLane, operation: Operation, target: ProviderTarget): RealtimeTier {
  if (lane !== 'async' || operation !== 'chat') return 'standard';
  return findModelPrice(target.provider, target.model)?.flexDiscount != null ? 'flex' : 'standard';
}
