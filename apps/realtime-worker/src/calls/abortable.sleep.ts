import { setTimeout as delay } from 'node:timers/promises';

/** Waits `ms`; resolves false at once if `signal` fires first (the caller then stops what it was doing). */
export type Sleep = (ms: number, signal: AbortSignal) => Promise<boolean>;

// The timer rejects only with an AbortError, which is the "stopped early" answer.
export const abortableSleep: Sleep = (ms, signal) => delay(ms, true, { signal }).catch(() => false);
