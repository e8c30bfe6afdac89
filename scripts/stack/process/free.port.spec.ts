import { ephemeralRange, portCandidates } from './free.port';

describe('free ports', () => {
  it("reads the kernel's ephemeral range, and falls back to IANA's dynamic range", () => {
    expect(ephemeralRange(() => '32768\t60999\n')).toEqual({ low: 32_768, high: 60_999 });
    expect(ephemeralRange(() => 'garbage')).toEqual({ low: 49_152, high: 65_535 });
    expect(
      ephemeralRange(() => {
        throw new Error('ENOENT');
      }),
    ).toEqual({ low: 49_152, high: 65_535 });
  });

  it('picks candidates below the ephemeral range, or above it when it starts too low', () => {
    const below = portCandidates({ low: 32_768, high: 60_999 }, 3, () => 0.999999);
    expect(below.every((port) => port >= 10_000 && port < 32_768)).toBe(true);
    expect(portCandidates({ low: 32_768, high: 60_999 }, 1, () => 0)).toEqual([10_000]);
    expect(portCandidates({ low: 10_500, high: 50_000 }, 1, () => 0)).toEqual([50_001]);
    expect(() => portCandidates({ low: 1_024, high: 65_535 }, 1)).toThrow(/no room/);
  });
});
