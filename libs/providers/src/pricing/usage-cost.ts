import type { CostV1 } from '@sluice/contracts';
import { costUsd, findModelPrice, type PriceTier, type ProviderName, savedUsd, type TokenUsage } from './pricing';

export interface PricedCost {
  cost: CostV1;
  /** False when the catalog has no price for the model: the cost is reported as 0, not guessed. */
  priced: boolean;
}

const FREE: CostV1 = { usd: 0, realtimeUsd: 0, savedUsd: 0 };

/**
 * What a result carries as its cost: `usd` at the tier the call really used, `realtimeUsd` at the
 * standard tier (what the realtime lane would have cost), `savedUsd` the difference.
 */
export function costOf(target: { provider: ProviderName; model: string }, usage: TokenUsage, tier: PriceTier): PricedCost {
  const price = findModelPrice(target.provider, target.model);
  if (!price) return { cost: { ...FREE }, priced: false };
  const usd = costUsd(price, usage, tier);
  const realtimeUsd = costUsd(price, usage, 'standard');
  return { cost: { usd, realtimeUsd, savedUsd: savedUsd(realtimeUsd, usd) }, priced: true };
}
