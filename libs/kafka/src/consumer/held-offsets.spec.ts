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

  it('finds the lowest held offset whatever order offsets are held and released in', () => {
    const offsets = new HeldOffsets();
    offsets.processed('20');
    for (const offset of ['12', '15', '3', '18', '7']) offsets.hold(offset);
    expect(offsets.committable()).toBe('3');
    offsets.release('3');
    expect(offsets.committable()).toBe('7');
    offsets.hold('3');
    expect(offsets.committable()).toBe('3');
    for (const offset of ['3', '7', '15']) offsets.release(offset);
    expect(offsets.committable()).toBe('12');
    offsets.release('12');
    offsets.release('18');
    expect(offsets.committable()).toBe('21');
  });

  it('keeps the position right across many holds released in order', () => {
    const offsets = new HeldOffsets();
    for (let offset = 0; offset < 5_000; offset += 1) offsets.hold(String(offset));
    offsets.processed('4999');
    for (let offset = 0; offset < 4_000; offset += 1) offsets.release(String(offset));
    expect(offsets.committable()).toBe('4000');
    offsets.hold('10');
    expect(offsets.committable()).toBe('10');
    offsets.release('10');
    for (let offset = 4_000; offset < 5_000; offset += 1) offsets.release(String(offset));
    expect(offsets.committable()).toBe('5000');
    expect(offsets.heldCount).toBe(0);
  });
});
