import { PartitionCursors } from './partition.cursors';

function assigned(): PartitionCursors {
  const cursors = new PartitionCursors();
  cursors.assign([{ topic: 't', partitions: [0, 1] }]);
  return cursors;
}

describe('PartitionCursors', () => {
  it('fetches a partition once its position is known, and not again while its batch runs', () => {
    const cursors = assigned();
    expect(cursors.unpositioned().map((cursor) => cursor.partition)).toEqual([0, 1]);
    expect(cursors.fetchable(new Set())).toEqual([]);
    const first = cursors.get('t', 0)!;
    first.position = 10n;
    expect(cursors.fetchable(new Set()).map((cursor) => cursor.partition)).toEqual([0]);
    first.state = 'busy';
    cursors.batchStarted(first);
    expect(cursors.fetchable(new Set())).toEqual([]);
    cursors.batchEnded(first, first.epoch, 10n, 14n);
    expect(first.position).toBe(15n);
    expect(cursors.fetchable(new Set()).map((cursor) => cursor.partition)).toEqual([0]);
  });

  it('delivers again what a batch did not resolve', () => {
    const cursors = assigned();
    const cursor = cursors.get('t', 1)!;
    cursor.position = 20n;
    cursors.batchStarted(cursor);
    cursors.batchEnded(cursor, cursor.epoch, 20n, undefined);
    expect(cursor.position).toBe(20n);
    cursors.batchStarted(cursor);
    cursors.batchEnded(cursor, cursor.epoch, 20n, 22n);
    expect(cursor.position).toBe(23n);
  });

  it('skips paused topics', () => {
    const cursors = assigned();
    cursors.get('t', 0)!.position = 0n;
    expect(cursors.fetchable(new Set(['t']))).toEqual([]);
  });

  it('lets a seek win over the batch that ran before it', () => {
    const cursors = assigned();
    const cursor = cursors.get('t', 0)!;
    cursor.position = 5n;
    const epoch = cursor.epoch;
    cursors.batchStarted(cursor);
    expect(cursors.seek('t', 0, 100n)).toBe(true);
    cursors.batchEnded(cursor, epoch, 5n, 9n);
    expect(cursor.position).toBe(100n);
    expect(cursors.seek('t', 7, 1n)).toBe(false);
  });

  it('starts a reassigned partition afresh, once the batch of the old generation returned', () => {
    const cursors = assigned();
    const old = cursors.get('t', 0)!;
    old.position = 5n;
    cursors.batchStarted(old);
    cursors.assign([{ topic: 't', partitions: [0] }]);
    const fresh = cursors.get('t', 0)!;
    expect(fresh).not.toBe(old);
    expect(cursors.unpositioned()).toEqual([]);
    cursors.batchEnded(old, old.epoch, 5n, 7n);
    expect(fresh.position).toBeUndefined();
    expect(cursors.unpositioned()).toEqual([fresh]);
    expect(cursors.get('t', 1)).toBeUndefined();
  });
});
