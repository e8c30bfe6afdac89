import { type LanePricing, estimateInputTokens, estimateOutputTokens, estimateUsage, laneCosts } from './cost-estimate';

const PRICING: LanePricing = { inputPerMTok: 2, outputPerMTok: 8, batchDiscount: 0.5, flexDiscount: null, lanes: ['realtime', 'async', 'batch'] };

describe('estimateInputTokens', () => {
  it('counts about four characters per token over OpenAI chat messages, strings and text parts alike', () => {
    const body = {
      model: 'gpt-4o-mini',
      messages: [
        { role: 'system', content: 'x'.repeat(40) },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'y'.repeat(38) },
            { type: 'image_url', image_url: { url: 'https://img.example/a.png' } },
          ],
        },
      ],
      temperature: 0,
    };
    expect(estimateInputTokens(body)).toBe(20);
  });

  it('adds the Anthropic system prompt, in string or block form', () => {
    expect(estimateInputTokens({ model: 'm', system: 'abcd'.repeat(5), messages: [{ role: 'user', content: 'abcd' }] })).toBe(6);
    expect(estimateInputTokens({ model: 'm', system: [{ type: 'text', text: 'abcdefgh' }], messages: [] })).toBe(2);
  });

  it('counts embedding input given as text, as a list of texts, or as token ids', () => {
    expect(estimateInputTokens({ model: 'e', input: 'abcdefghi' })).toBe(3);
    expect(estimateInputTokens({ model: 'e', input: ['abcd', 'efgh'] })).toBe(2);
    expect(
      estimateInputTokens({
        model: 'e',
        input: [
          [1, 2, 3],
          [4, 5],
        ],
      }),
    ).toBe(5);
  });

  it('estimates nothing for a body without text', () => {
    expect(estimateInputTokens({ model: 'm' })).toBe(0);
  });
});

describe('estimateOutputTokens', () => {
  it('plans for the limit the body sets, the newer OpenAI name first', () => {
    expect(estimateOutputTokens('chat', { model: 'm', max_tokens: 100 })).toBe(100);
    expect(estimateOutputTokens('chat', { model: 'm', max_tokens: 100, max_completion_tokens: 40 })).toBe(40);
  });

  it('falls back to the operation default, ignoring limits that are not positive integers', () => {
    expect(estimateOutputTokens('chat', { model: 'm', max_tokens: 'lots' }, { chat: 300, embedding: 0 })).toBe(300);
    expect(estimateOutputTokens('chat', { model: 'm', max_tokens: 0 })).toBe(512);
  });

  it('has no output for embeddings', () => {
    expect(estimateOutputTokens('embedding', { model: 'e', max_tokens: 99 })).toBe(0);
  });

  it('plans the limit once per choice asked for, since every choice is generated and billed', () => {
    expect(estimateOutputTokens('chat', { model: 'm', max_tokens: 100, n: 3 })).toBe(300);
    expect(estimateOutputTokens('chat', { model: 'm', n: 2 })).toBe(1024);
    expect(estimateOutputTokens('chat', { model: 'm', max_tokens: 100, n: 0 })).toBe(100);
    expect(estimateOutputTokens('chat', { model: 'm', max_tokens: 100, n: 1.5 })).toBe(100);
  });
});

describe('laneCosts', () => {
  it('prices realtime at list, batch at its discount and async at list without a flex tier', () => {
    const costs = laneCosts(PRICING, { inputTokens: 1_000_000, outputTokens: 500_000 });
    expect(costs).toEqual({ realtime: 6, async: 6, batch: 3 });
  });

  it('prices async at the flex tier where the model has one', () => {
    expect(laneCosts({ ...PRICING, flexDiscount: 0.5 }, { inputTokens: 1_000_000, outputTokens: 0 }).async).toBe(1);
  });

  it('has no cost for lanes the model does not offer, so routing never picks them', () => {
    expect(laneCosts({ ...PRICING, lanes: ['realtime'] }, { inputTokens: 10, outputTokens: 10 })).toMatchObject({ async: null, batch: null });
  });

  it('composes with the usage estimate', () => {
    const usage = estimateUsage('chat', { model: 'm', messages: [{ role: 'user', content: 'x'.repeat(400) }], max_tokens: 50 });
    expect(usage).toEqual({ inputTokens: 100, outputTokens: 50 });
    expect(laneCosts(PRICING, usage).realtime).toBeCloseTo((100 * 2 + 50 * 8) / 1_000_000, 12);
  });
});
