import { embeddingToBase64, synthEmbedding } from './embedding.synth';
import { planOutput, requestedOutputTokens } from './output.plan';
import { synthText, synthTextPieces } from './text.synth';
import { countContentTokens, countTextTokens } from './token.counter';

describe('synthetic text', () => {
  it('has exactly as many tokens as were asked for, under the emulator tokenizer', () => {
    for (const tokens of [1, 2, 17, 500]) {
      const text = synthText(42, tokens);
      expect(countTextTokens(text)).toBe(tokens);
      expect(text.split(' ')).toHaveLength(tokens);
    }
  });

  it('is fixed by its seed and differs between seeds', () => {
    expect(synthText(1, 30)).toBe(synthText(1, 30));
    expect(synthText(1, 30)).not.toBe(synthText(2, 30));
    expect(synthTextPieces(1, 30).join('')).toBe(synthText(1, 30));
  });
});

describe('token counting', () => {
  it('counts strings, text parts and non-text parts', () => {
    expect(countTextTokens('')).toBe(0);
    expect(countTextTokens('abcde')).toBe(2);
    const texts: string[] = [];
    const tokens = countContentTokens(
      [
        { type: 'text', text: 'abcd' },
        { type: 'image_url', image_url: { url: 'data:...' } },
      ],
      (text) => texts.push(text),
    );
    expect(tokens).toBe(1 + 85);
    expect(texts).toEqual(['abcd']);
  });
});

describe('output plan', () => {
  const natural = { minTokens: 10, maxTokens: 20 };

  it('reads the size hint from metadata or from the prompt directive', () => {
    expect(requestedOutputTokens({ emulator_output_tokens: '12' }, [])).toBe(12);
    expect(requestedOutputTokens({ emulator_output_tokens: 7 }, [])).toBe(7);
    expect(requestedOutputTokens(undefined, ['first', 'write [emulator:output_tokens=300] words'])).toBe(300);
    expect(requestedOutputTokens({ emulator_output_tokens: 'lots' }, ['plain'])).toBeUndefined();
  });

  it('caps at the request limit and otherwise stays in the natural range', () => {
    expect(planOutput(100, 40, 0, natural)).toEqual({ tokens: 40, capped: true });
    expect(planOutput(30, 40, 0, natural)).toEqual({ tokens: 30, capped: false });
    for (let seed = 0; seed < 50; seed += 1) {
      const { tokens, capped } = planOutput(undefined, undefined, seed, natural);
      expect(capped).toBe(false);
      expect(tokens).toBeGreaterThanOrEqual(10);
      expect(tokens).toBeLessThanOrEqual(20);
    }
  });
});

describe('synthetic embeddings', () => {
  it('are unit vectors whose base64 form decodes to the same float32 values', () => {
    const vector = synthEmbedding(9, 64);
    expect(Math.hypot(...vector)).toBeCloseTo(1, 5);
    const bytes = Buffer.from(embeddingToBase64(vector), 'base64');
    const decoded = Array.from({ length: 64 }, (_, i) => bytes.readFloatLE(i * 4));
    expect(decoded).toEqual(Array.from(vector));
  });

  it('give a renormalised prefix for fewer dimensions', () => {
    const full = synthEmbedding(3, 32);
    const short = synthEmbedding(3, 8);
    const ratio = (short[0] as number) / (full[0] as number);
    for (let i = 0; i < 8; i += 1) expect((short[i] as number) / (full[i] as number)).toBeCloseTo(ratio, 5);
  });
});
