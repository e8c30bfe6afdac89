import { costUsd, findModelPrice } from './pricing';
import { costOf } from './usage-cost';

const USAGE = { inputTokens: 1_000_000, outputTokens: 500_000, cachedInputTokens: 0 };

describe('costOf', () => {
  it('prices the standard tier at list price, saving nothing', () => {
    // gpt-4o-mini: $0.15 in, $0.60 out per million tokens.
    expect(costOf({ provider: 'openai', model: 'gpt-4o-mini' }, USAGE, 'standard')).toEqual({
      cost: { usd: 0.45, realtimeUsd: 0.45, savedUsd: 0 },
      priced: true,
    });
  });

  it('prices the flex tier at its discount and reports the saving against standard', () => {
    const { cost } = costOf({ provider: 'openai', model: 'gpt-5-mini' }, USAGE, 'flex');
    const price = findModelPrice('openai', 'gpt-5-mini')!;
    expect(cost.realtimeUsd).toBeCloseTo(costUsd(price, USAGE, 'standard'), 12);
    expect(cost.usd).toBeCloseTo(cost.realtimeUsd * (1 - price.flexDiscount!), 12);
    expect(cost.savedUsd).toBeCloseTo(cost.realtimeUsd - cost.usd, 12);
    expect(cost.savedUsd).toBeGreaterThan(0);
  });

  it('reports amounts without floating-point noise', () => {
    // 144 × 0.15 / 1e6 + 16 × 0.6 / 1e6 is 0.00003119999999999999 in plain double arithmetic.
    const { cost } = costOf({ provider: 'openai', model: 'gpt-4o-mini' }, { inputTokens: 144, outputTokens: 16, cachedInputTokens: 0 }, 'standard');
    expect(cost).toEqual({ usd: 0.0000312, realtimeUsd: 0.0000312, savedUsd: 0 });
  });

  it('bills cached input at the cached rate', () => {
    const { cost } = costOf(
      { provider: 'openai', model: 'gpt-4o-mini' },
      { inputTokens: 1_000_000, outputTokens: 0, cachedInputTokens: 1_000_000 },
      'standard',
    );
    expect(cost.usd).toBeCloseTo(0.075, 12);
  });

  it('prices a dated snapshot like its alias', () => {
    expect(costOf({ provider: 'openai', model: 'gpt-4o-mini-2024-07-18' }, USAGE, 'standard').cost.usd).toBeCloseTo(0.45, 12);
  });

  it('reports an unpriced model as free rather than guessing', () => {
    expect(costOf({ provider: 'openai', model: 'gpt-unknown' }, USAGE, 'standard')).toEqual({
      cost: { usd: 0, realtimeUsd: 0, savedUsd: 0 },
      priced: false,
    });
  });
});

describe('costOf at the batch tier', () => {
  it('prices batch lines at the batch discount and saves the rest of the list price', () => {
    const price = findModelPrice('openai', 'text-embedding-3-small')!;
    const { cost } = costOf({ provider: 'openai', model: 'text-embedding-3-small' }, { inputTokens: 2_000_000, outputTokens: 0 }, 'batch');
    expect(cost.realtimeUsd).toBeCloseTo(costUsd(price, { inputTokens: 2_000_000, outputTokens: 0 }, 'standard'), 12);
    expect(cost.usd).toBeCloseTo(cost.realtimeUsd * (1 - price.batchDiscount), 12);
    expect(cost.savedUsd).toBeGreaterThan(0);
  });
});
