import { dlqDepth } from './dlq-depth';

describe('dlqDepth', () => {
  it('is what the partitions hold minus the settled entries still held', () => {
    expect(
      dlqDepth(
        [
          { partition: 0, low: '0', high: '5' },
          { partition: 1, low: '10', high: '13' },
        ],
        2,
      ),
    ).toBe(6);
  });

  it('is zero for an empty topic and never negative', () => {
    expect(dlqDepth([{ partition: 0, low: '7', high: '7' }], 0)).toBe(0);
    expect(dlqDepth([{ partition: 0, low: '0', high: '1' }], 3)).toBe(0);
    expect(dlqDepth([], 0)).toBe(0);
  });
});
