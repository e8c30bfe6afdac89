import { join } from 'node:path';
import { withStackLock } from '../../../scripts/stack/state/stack.lock';

export interface HeldLock {
  release(): Promise<void>;
}

/**
 * One harness at a time per state dir, across processes. The apps consume Sluice's shared topics, so
 * two harnesses side by side (Jest workers running two e2e files) would each process the other's
 * requests, and "exactly one result" would see two. Held from start to stop of a harness.
 */
export function holdHarnessLock(stateDir: string, timeoutMs: number): Promise<HeldLock> {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return new Promise<HeldLock>((resolveHeld, rejectHeld) => {
    const done = withStackLock(
      join(stateDir, 'e2e'),
      async () => {
        resolveHeld({
          release: async () => {
            release();
            await done;
          },
        });
        await released;
      },
      timeoutMs,
    );
    done.catch(rejectHeld);
  });
}
