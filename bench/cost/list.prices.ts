import listPrices from './list-prices.json';

/**
 * The providers' published list prices for the models the cost benchmark sends to, kept apart from
 * the catalog Sluice bills with (libs/providers) so the comparison is not priced by the code under
 * test; list.prices.spec.ts fails when the two disagree.
 */
export type BenchLane = 'realtime' | 'async' | 'batch';
/** Fastest first: a tie in price goes to the earlier lane. */
export const BENCH_LANES: readonly BenchLane[] = ['realtime', 'async', 'batch'];

export interface ListPrice {
  provider: string;
  model: string;
  /** USD per million tokens. */
  input: number;
  cachedInput: number;
  output: number;
  batchDiscount: number;
  /** null: the model has no flex tier, so its async lane is billed at list price. */
  flexDiscount: number | null;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens?: number;
}

export const LIST_PRICES: readonly ListPrice[] = listPrices.models;
export const LIST_PRICE_SOURCES: Readonly<Record<string, string>> = listPrices.sources;

export function listPriceOf(provider: string, model: string): ListPrice {
  const price = LIST_PRICES.find((entry) => entry.provider === provider && entry.model === model);
  if (price === undefined) throw new Error(`bench/cost/list-prices.json has no price for ${provider} ${model}`);
  return price;
}

/** What `usage` costs on `lane` at list price: realtime at list, async at flex (list without one), batch at the batch discount. */
export function laneCostUsd(price: ListPrice, usage: Usage, lane: BenchLane): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const list = ((usage.inputTokens - cached) * price.input + cached * price.cachedInput + usage.outputTokens * price.output) / 1_000_000;
  if (lane === 'batch') return list * (1 - price.batchDiscount);
  if (lane === 'async') return list * (1 - (price.flexDiscount ?? 0));
  return list;
}
