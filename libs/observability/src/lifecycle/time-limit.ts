/**
 * `work`'s outcome, or a rejection with `timedOut()`'s error once `ms` passed without one. The work
 * itself goes on (a promise cannot be cancelled); its timer is cleared either way.
 */
export async function withTimeLimit<T>(work: Promise<T>, ms: number, timedOut: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(timedOut()), Math.max(0, ms));
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}
