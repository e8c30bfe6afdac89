import { costUsd, findModelPrice, listModelPrices, ModelPrice, PRICING_SOURCE, roundUsd, savedUsd } from './pricing';

function price(overrides: Partial<ModelPrice> = {}): ModelPrice {
  return {
    provider: 'openai',
    model: 'test-model',
    operation: 'chat',
    inputPerMTok: 2,
    outputPerMTok: 8,
    cachedInputPerMTok: 0.5,
    batchDiscount: 0.5,
    flexDiscount: 0.5,
    lanes: ['realtime', 'async', 'batch'],
    ...overrides,
  };
}

describe('pricing catalog', () => {
  it('says where its numbers come from', () => {
    expect(PRICING_SOURCE.source.length).toBeGreaterThan(0);
    expect(PRICING_SOURCE.asOf).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });

  it.each([
    ['openai', 'gpt-4o-mini', 'chat'],
    ['openai', 'gpt-4o', 'chat'],
    ['openai', 'gpt-4.1', 'chat'],
    ['openai', 'gpt-4.1-mini', 'chat'],
    ['openai', 'o4-mini', 'chat'],
    ['openai', 'gpt-5-mini', 'chat'],
    ['openai', 'text-embedding-3-small', 'embedding'],
    ['openai', 'text-embedding-3-large', 'embedding'],
    ['anthropic', 'claude-haiku-4-5', 'chat'],
    ['anthropic', 'claude-sonnet-4-5', 'chat'],
    ['anthropic', 'claude-opus-4-1', 'chat'],
  ] as const)('lists %s %s as a %s model', (provider, model, operation) => {
    expect(findModelPrice(provider, model)).toMatchObject({ provider, model, operation, batchDiscount: 0.5 });
  });

  it('gives a flex discount only to the OpenAI models that have a flex tier', () => {
    const flex = listModelPrices()
      .filter((p) => p.flexDiscount !== null)
      .map((p) => p.model);
    expect(flex).toEqual(expect.arrayContaining(['o4-mini', 'gpt-5-mini']));
    expect(flex).not.toContain('gpt-4o');
    expect(
      listModelPrices()
        .filter((p) => p.provider === 'anthropic')
        .every((p) => p.flexDiscount === null),
    ).toBe(true);
  });

  it('keeps model names unique per provider', () => {
    const keys = listModelPrices().map((p) => `${p.provider}/${p.model}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('prices dated snapshots like their alias and knows nothing else', () => {
    expect(findModelPrice('openai', 'gpt-4o-2024-08-06')?.model).toBe('gpt-4o');
    expect(findModelPrice('anthropic', 'claude-sonnet-4-5-20250929')?.model).toBe('claude-sonnet-4-5');
    expect(findModelPrice('openai', 'gpt-unknown')).toBeUndefined();
    expect(findModelPrice('anthropic', 'gpt-4o')).toBeUndefined();
  });
});

describe('costUsd', () => {
  it('bills input and output per million tokens at the standard tier', () => {
    expect(costUsd(price(), { inputTokens: 1_000_000, outputTokens: 500_000 }, 'standard')).toBeCloseTo(2 + 4, 10);
  });

  it('bills the cached part of the input at the cached rate', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 400_000 };
    expect(costUsd(price(), usage, 'standard')).toBeCloseTo(0.6 * 2 + 0.4 * 0.5, 10);
  });

  it('never bills more cached tokens than there were input tokens', () => {
    const usage = { inputTokens: 100, outputTokens: 0, cachedInputTokens: 1_000 };
    expect(costUsd(price(), usage, 'standard')).toBeCloseTo((100 * 0.5) / 1_000_000, 12);
  });

  it('applies the batch and flex discounts', () => {
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    expect(costUsd(price({ batchDiscount: 0.5 }), usage, 'batch')).toBeCloseTo(5, 10);
    expect(costUsd(price({ flexDiscount: 0.25 }), usage, 'flex')).toBeCloseTo(7.5, 10);
  });

  it('refuses the flex tier for a model without one', () => {
    expect(() => costUsd(price({ flexDiscount: null }), { inputTokens: 1, outputTokens: 1 }, 'flex')).toThrow(/no flex tier/);
  });

  it('prices a real catalog entry', () => {
    const gpt4oMini = findModelPrice('openai', 'gpt-4o-mini');
    expect(gpt4oMini).toBeDefined();
    expect(costUsd(gpt4oMini!, { inputTokens: 1_000, outputTokens: 1_000 }, 'batch')).toBeCloseTo((1_000 * 0.15 + 1_000 * 0.6) / 1_000_000 / 2, 12);
  });
});

describe('USD amounts', () => {
  const gpt4oMini = findModelPrice('openai', 'gpt-4o-mini')!;

  it('come out as the exact decimal price, without binary floating-point noise', () => {
    // 144 × 0.15 / 1e6 is 0.000021599999999999996 in plain double arithmetic.
    expect(String(costUsd(gpt4oMini, { inputTokens: 144, outputTokens: 0 }, 'standard'))).toBe('0.0000216');
    expect(String(costUsd(gpt4oMini, { inputTokens: 144, outputTokens: 16 }, 'batch'))).toBe('0.0000156');
    expect(String(costUsd(gpt4oMini, { inputTokens: 9, outputTokens: 2 }, 'batch'))).toBe('0.000001275');
  });

  it('keep every digit the catalog prices can produce (they have far fewer than 12 decimals)', () => {
    // 7 × 0.275 / 1e6 × 0.5 = 0.0000009625: the smallest rates and the discount still fit.
    const o4Mini = findModelPrice('openai', 'o4-mini')!;
    expect(costUsd(o4Mini, { inputTokens: 7, outputTokens: 0, cachedInputTokens: 7 }, 'flex')).toBe(0.0000009625);
    expect(costUsd(gpt4oMini, { inputTokens: 1, outputTokens: 0 }, 'batch')).toBe(0.000000075);
  });

  it('round to 12 decimal places', () => {
    expect(roundUsd(0.000021599999999999996)).toBe(0.0000216);
    expect(roundUsd(1.2345678901236)).toBe(1.234567890124);
    expect(roundUsd(1.2345678901234)).toBe(1.234567890123);
    expect(roundUsd(0)).toBe(0);
    expect(roundUsd(12_345.678)).toBe(12_345.678);
  });

  it('give the saving as a rounded difference', () => {
    // 0.00007 - 0.00003 is 0.000039999999999999996 in plain double arithmetic.
    expect(savedUsd(0.00007, 0.00003)).toBe(0.00004);
    expect(savedUsd(0.000024, 0.0000012)).toBe(0.0000228);
    expect(savedUsd(0.0001, 0.0001)).toBe(0);
  });
});
