import { isNarrow, probeDue, restAfter, ValvePolicy, watermarksMoved } from './valve.policy';

const policy: ValvePolicy = { dutyPercent: 20, holdMs: 3_000, probeIntervalMs: 500, maxRestMs: 2_000 };
const marks = (entries: Record<string, number>): Map<string, bigint> => new Map(Object.entries(entries).map(([key, value]) => [key, BigInt(value)]));

describe('valve policy', () => {
  describe('watermarksMoved', () => {
    it('is false on the first probe: there is nothing to compare with', () => {
      expect(watermarksMoved(undefined, marks({ 't:0': 5 }))).toBe(false);
    });

    it('is true when any partition grew, false when none did', () => {
      expect(watermarksMoved(marks({ 't:0': 5, 't:1': 7 }), marks({ 't:0': 5, 't:1': 8 }))).toBe(true);
      expect(watermarksMoved(marks({ 't:0': 5, 't:1': 7 }), marks({ 't:0': 5, 't:1': 7 }))).toBe(false);
    });

    it('does not count a partition it never saw before as traffic', () => {
      expect(watermarksMoved(marks({ 't:0': 5 }), marks({ 't:0': 5, 't:1': 3 }))).toBe(false);
    });
  });

  describe('isNarrow', () => {
    it('narrows for holdMs after urgent traffic was seen, then opens', () => {
      expect(isNarrow(policy, 10_000, 10_000)).toBe(true);
      expect(isNarrow(policy, 10_000, 12_999)).toBe(true);
      expect(isNarrow(policy, 10_000, 13_000)).toBe(false);
    });

    it('stays open when no urgent traffic was ever seen', () => {
      expect(isNarrow(policy, undefined, 10_000)).toBe(false);
    });

    it('never narrows at a duty of 100 %', () => {
      expect(isNarrow({ ...policy, dutyPercent: 100 }, 10_000, 10_000)).toBe(false);
    });
  });

  describe('restAfter', () => {
    it('rests so that work takes dutyPercent of the time', () => {
      expect(restAfter(policy, 50)).toBe(200);
      expect(restAfter({ ...policy, dutyPercent: 50 }, 50)).toBe(50);
    });

    it('never rests longer than maxRestMs', () => {
      expect(restAfter(policy, 5_000)).toBe(2_000);
    });

    it('does not rest at a duty of 100 % or after no work', () => {
      expect(restAfter({ ...policy, dutyPercent: 100 }, 50)).toBe(0);
      expect(restAfter(policy, 0)).toBe(0);
    });
  });

  describe('probeDue', () => {
    it('reads the signal at most once per interval', () => {
      expect(probeDue(policy, undefined, 0)).toBe(true);
      expect(probeDue(policy, 1_000, 1_499)).toBe(false);
      expect(probeDue(policy, 1_000, 1_500)).toBe(true);
    });
  });
});
