import { HeldOffsets } from './held-offsets';

describe('HeldOffsets', () => {
  it('commits past everything processed when nothing is held', () => {
    const offsets = new HeldOffsets();
    expect(offsets.committable()).toBeUndefined();
    offsets.processed('4');
    expect(offsets.committable()).toBe('5');
  });

  it('stops at the lowest held offset until it is released', () => {
    const offsets = new HeldOffsets();
    offsets.hold('2');
    offsets.hold('5');
    offsets.processed('7');
    expect(offsets.committable()).toBe('2');
    offsets.release('5');
    expect(offsets.committable()).toBe('2');
    offsets.release('2');
    expect(offsets.committable()).toBe('8');
    expect(offsets.heldCount).toBe(0);
  });

  it('offers a commit only when it moves the committed position forward', () => {
    const offsets = new HeldOffsets();
    offsets.hold('3');
    offsets.processed('3');
    expect(offsets.committable()).toBe('3');
    offsets.committedTo('3');
    expect(offsets.committable()).toBeUndefined();
    offsets.processed('4');
    expect(offsets.committable()).toBeUndefined();
    offsets.release('3');
    expect(offsets.committable()).toBe('5');
  });

  it('compares offsets as 64-bit integers, not as strings or doubles', () => {
    const offsets = new HeldOffsets();
    offsets.hold('9007199254740993');
    offsets.processed('9007199254740995');
    expect(offsets.committable()).toBe('9007199254740993');
    offsets.hold('10');
    expect(offsets.committable()).toBe('10');
  });
});
