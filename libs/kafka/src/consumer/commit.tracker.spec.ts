import type { BatchContext } from '../port/driver.port';
import { CommitTracker } from './commit.tracker';

const silent = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined };

function batchCommittingTo(committed: string[]): BatchContext {
  return {
    topic: 't',
    partition: 0,
    messages: [],
    resolveOffset: () => undefined,
    commit: async (next) => {
      committed.push(next);
    },
    heartbeat: async () => undefined,
    isRunning: () => true,
    isStale: () => false,
  };
}

async function ticks(n: number): Promise<void> {
  for (let i = 0; i < n; i += 1) await Promise.resolve();
}

describe('CommitTracker', () => {
  // A held message settling at any moment around the end of a commit must still be committed past:
  // asked for between the loop's last look and the end of its promise, it used to be dropped.
  it.each([0, 1, 2, 3, 4, 5, 6, 8])('commits past a message released %i microtasks after a commit began', async (delay) => {
    const committed: string[] = [];
    const tracker = new CommitTracker(silent, 'g');
    const partition = tracker.partitionOf(batchCommittingTo(committed));
    partition.offsets.hold('1');
    partition.offsets.processed('1');

    const first = tracker.commit(partition);
    await ticks(delay);
    partition.offsets.release('1');
    const second = tracker.commit(partition);
    await Promise.all([first, second]);
    await ticks(10);

    expect(committed[committed.length - 1]).toBe('2');
  });

  it('commits only up to the lowest held offset, in order', async () => {
    const committed: string[] = [];
    const tracker = new CommitTracker(silent, 'g');
    const partition = tracker.partitionOf(batchCommittingTo(committed));
    partition.offsets.processed('3');
    partition.offsets.hold('2');
    await tracker.commit(partition);
    expect(committed).toEqual(['2']);
    partition.offsets.release('2');
    await tracker.commit(partition);
    expect(committed).toEqual(['2', '4']);
  });
});
