/** Waits `ms`; resolves false at once if `signal` fires first (the caller then stops what it was doing). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<boolean>;

export const abortableSleep: Sleep = (ms, signal) => {
  if (signal.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
};
