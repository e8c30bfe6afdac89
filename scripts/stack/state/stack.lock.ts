import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { isRunning, pollUntil } from '../process/process.control';

function tryAcquire(lockFile: string): boolean {
  try {
    const fd = openSync(lockFile, 'wx');
    writeSync(fd, `${process.pid}\n`);
    closeSync(fd);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    const holder = Number(readFileSync(lockFile, 'utf8').trim());
    // A holder that died (killed CI job, closed terminal) must not block the next run.
    if (!Number.isInteger(holder) || holder <= 0 || !isRunning(holder)) rmSync(lockFile, { force: true });
    return false;
  }
}

/**
 * Serialises stack:up, stack:down and test global setup on one state dir: run side by side (a
 * terminal and a test run), both would see no broker and both would start one on the same port.
 */
export async function withStackLock<T>(stateDir: string, work: () => Promise<T>, timeoutMs = 180_000): Promise<T> {
  mkdirSync(stateDir, { recursive: true });
  const lockFile = join(stateDir, 'stack.lock');
  const acquired = await pollUntil(() => tryAcquire(lockFile), { timeoutMs, intervalMs: 250 });
  if (!acquired) throw new Error(`another stack command holds ${lockFile} (pid ${readFileSync(lockFile, 'utf8').trim()}); gave up after ${timeoutMs} ms`);
  try {
    return await work();
  } finally {
    rmSync(lockFile, { force: true });
  }
}
