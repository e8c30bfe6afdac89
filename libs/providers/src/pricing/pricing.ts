import catalog from './pricing.catalog.json';

export type ProviderName = 'openai' | 'anthropic';
export type Operation = 'chat' | 'embedding';
export type Lane = 'realtime' | 'async' | 'batch';
export type PriceTier = 'standard' | 'batch' | 'flex';

export interface ModelPrice {
  provider: ProviderName;
  model: string;
  operation: Operation;
  /** USD per million input tokens that were not served from the provider's prompt cache. */
  inputPerMTok: number;
  outputPerMTok: number;
  /** USD per million input tokens read from the provider's prompt cache. */
  cachedInputPerMTok: number;
  /** Fraction taken off every price on the batch tier (0.5 = half price). */
  batchDiscount: number;
  /** Fraction taken off on the flex tier; null when the model has no flex tier. */
  flexDiscount: number | null;
  lanes: Lane[];
}

export interface TokenUsage {
  /** All input tokens of the request, cached ones included. */
  inputTokens: number;
  outputTokens: number;
  /** The part of `inputTokens` served from the provider's prompt cache. */
  cachedInputTokens?: number;
}

const PROVIDERS: readonly string[] = ['openai', 'anthropic'];
const OPERATIONS: readonly string[] = ['chat', 'embedding'];
const LANES: readonly string[] = ['realtime', 'async', 'batch'];

// The catalog is hand-edited data: a typo must fail at import time, not price a request at NaN.
function checkedCatalog(entries: readonly unknown[]): readonly ModelPrice[] {
  return entries.map((entry, index) => {
    const e = entry as Record<string, unknown>;
    const where = `pricing.catalog.json models[${index}]`;
    const isRate = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0;
    const isFraction = (v: unknown): v is number => isRate(v) && v < 1;
    if (typeof e.provider !== 'string' || !PROVIDERS.includes(e.provider)) throw new Error(`${where}: bad provider`);
    if (typeof e.model !== 'string' || e.model.length === 0) throw new Error(`${where}: bad model`);
    if (typeof e.operation !== 'string' || !OPERATIONS.includes(e.operation)) throw new Error(`${where}: bad operation`);
    for (const field of ['inputPerMTok', 'outputPerMTok', 'cachedInputPerMTok'] as const) {
      if (!isRate(e[field])) throw new Error(`${where}: bad ${field}`);
    }
    if (!isFraction(e.batchDiscount)) throw new Error(`${where}: bad batchDiscount`);
    if (e.flexDiscount !== null && !isFraction(e.flexDiscount)) throw new Error(`${where}: bad flexDiscount`);
    if (!Array.isArray(e.lanes) || e.lanes.some((lane) => typeof lane !== 'string' || !LANES.includes(lane))) {
      throw new Error(`${where}: bad lanes`);
    }
    return e as unknown as ModelPrice;
  });
}

const MODEL_PRICES: readonly ModelPrice[] = checkedCatalog(catalog.models);

/** Where the catalog's numbers come from and when they were last checked. */
export const PRICING_SOURCE: { source: string; asOf: string } = { source: catalog.source, asOf: catalog.asOf };

export function listModelPrices(): readonly ModelPrice[] {
  return MODEL_PRICES;
}

// Providers answer with dated snapshot names (gpt-4o-2024-08-06, claude-sonnet-4-5-20250929);
// the snapshot is billed like its alias.
const SNAPSHOT_SUFFIX = /-(\d{4}-\d{2}-\d{2}|\d{8})$/;

export function findModelPrice(provider: ProviderName, model: string): ModelPrice | undefined {
  const exact = MODEL_PRICES.find((p) => p.provider === provider && p.model === model);
  if (exact) return exact;
  const alias = model.replace(SNAPSHOT_SUFFIX, '');
  return alias === model ? undefined : MODEL_PRICES.find((p) => p.provider === provider && p.model === alias);
}

/** Decimal places of every USD amount Sluice computes: a picodollar, far below any price step. */
export const USD_DECIMALS = 12;

/**
 * A USD amount to USD_DECIMALS places. Prices per million tokens times token counts are not exact in
 * binary floating point (0.000021599999999999996 for 0.0000216); rounding where amounts are made keeps
 * results, events and the ledger's numeric columns free of that noise, and makes two services that
 * price the same usage (a worker and the emulator's billing) agree to the digit.
 */
export function roundUsd(usd: number): number {
  // toFixed rounds the exact decimal value of the double; the result reads back as the nearest double.
  return Number(usd.toFixed(USD_DECIMALS));
}

/** What a cheaper lane saved against the realtime price, rounded like the amounts it is made of. */
export function savedUsd(realtimeUsd: number, usd: number): number {
  return roundUsd(realtimeUsd - usd);
}

/**
 * USD cost of one request, rounded to USD_DECIMALS places. Cached input tokens are billed at the
 * cached rate and the rest of the input at the full rate. Asking for the flex tier of a model that has
 * none throws: the provider would have refused the request, so a cost for it would be a bookkeeping bug.
 */
export function costUsd(price: ModelPrice, usage: TokenUsage, tier: PriceTier): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens);
  const full = (usage.inputTokens - cached) * price.inputPerMTok + cached * price.cachedInputPerMTok + usage.outputTokens * price.outputPerMTok;
  return roundUsd((full / 1_000_000) * (1 - tierDiscount(price, tier)));
}

function tierDiscount(price: ModelPrice, tier: PriceTier): number {
  switch (tier) {
    case 'standard':
      return 0;
    case 'batch':
      return price.batchDiscount;
    case 'flex':
      if (price.flexDiscount === null) {
        throw new RangeError(`${price.provider} model ${price.model} has no flex tier`);
      }
      return price.flexDiscount;
  }
}
