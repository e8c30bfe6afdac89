import { minimumBatches, parseBatchOptions } from './batch.options';

const OPENAI = { maxRequests: 50_000, maxEmbeddingInputs: 50_000, maxBytes: 200_000_000 };

describe('batch bench options', () => {
  it('reads its flags and refuses what it does not know', () => {
    expect(parseBatchOptions(['--requests', '5000', '--window-age', '30'])).toMatchObject({ requests: 5_000, windowAgeS: 30, dimensions: 8 });
    expect(() => parseBatchOptions(['--requests', 'many'])).toThrow('--requests needs a positive integer');
    expect(() => parseBatchOptions(['--fast'])).toThrow('unknown option --fast');
  });

  it('takes the tightest of the provider limits as the minimum number of batches', () => {
    expect(minimumBatches({ requests: 1_000_000, inputs: 1_000_000, bytes: 150_000_000 }, OPENAI)).toBe(20);
    expect(minimumBatches({ requests: 1_000, inputs: 120_000, bytes: 1_000_000 }, OPENAI)).toBe(3);
    expect(minimumBatches({ requests: 1_000, inputs: 1_000, bytes: 450_000_000 }, OPENAI)).toBe(3);
    expect(minimumBatches({ requests: 2_000, inputs: 2_000, bytes: 1 }, { ...OPENAI, maxEmbeddingInputs: null })).toBe(1);
  });
});
