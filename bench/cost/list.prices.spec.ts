import { findModelPrice, listModelPrices } from '@sluice/providers';
import { LIST_PRICES, laneCostUsd, listPriceOf } from './list.prices';

describe('bench list prices', () => {
  it.each(LIST_PRICES.map((price) => [`${price.provider} ${price.model}`, price] as const))('%s matches the catalog Sluice bills with', (_name, price) => {
    const catalog = findModelPrice(price.provider as 'openai' | 'anthropic', price.model);
    expect(catalog).toBeDefined();
    expect({
      input: catalog?.inputPerMTok,
      cachedInput: catalog?.cachedInputPerMTok,
      output: catalog?.outputPerMTok,
      batchDiscount: catalog?.batchDiscount,
      flexDiscount: catalog?.flexDiscount,
    }).toEqual({
      input: price.input,
      cachedInput: price.cachedInput,
      output: price.output,
      batchDiscount: price.batchDiscount,
      flexDiscount: price.flexDiscount,
    });
    expect(catalog?.lanes).toEqual(['realtime', 'async', 'batch']);
  });

  it('covers flex and non-flex chat models of both providers in the catalog', () => {
    expect(LIST_PRICES.some((p) => p.flexDiscount !== null)).toBe(true);
    expect(LIST_PRICES.some((p) => p.provider === 'openai' && p.flexDiscount === null)).toBe(true);
    expect(LIST_PRICES.some((p) => p.provider === 'anthropic')).toBe(true);
    // The catalog offers flex on no Anthropic model: the bench cannot send one, and says so.
    expect(listModelPrices().some((p) => p.provider === 'anthropic' && p.flexDiscount !== null)).toBe(false);
  });

  it('prices lanes by hand-computed figures', () => {
    const gpt5 = listPriceOf('openai', 'gpt-5');
    const usage = { inputTokens: 1_000_000, outputTokens: 100_000, cachedInputTokens: 200_000 };
    // 800k x 1.25 + 200k x 0.125 + 100k x 10 = 1 + 0.025 + 1 = 2.025 USD.
    expect(laneCostUsd(gpt5, usage, 'realtime')).toBeCloseTo(2.025, 9);
    expect(laneCostUsd(gpt5, usage, 'async')).toBeCloseTo(1.0125, 9);
    expect(laneCostUsd(gpt5, usage, 'batch')).toBeCloseTo(1.0125, 9);
    const haiku = listPriceOf('anthropic', 'claude-haiku-4-5');
    // No flex tier: async is list price.
    expect(laneCostUsd(haiku, { inputTokens: 1000, outputTokens: 100 }, 'async')).toBeCloseTo(0.0015, 12);
    expect(laneCostUsd(haiku, { inputTokens: 1000, outputTokens: 100 }, 'batch')).toBeCloseTo(0.00075, 12);
  });

  it('refuses a model it has no price for', () => {
    expect(() => listPriceOf('openai', 'gpt-4o')).toThrow(/no price for openai gpt-4o/);
  });
});
