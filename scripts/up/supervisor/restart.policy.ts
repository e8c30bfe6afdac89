import { resolveRetryPolicy, retryDelayMs } from '@sluice/kafka/consumer/retry.policy';

/** How the supervisor spaces the restarts of a service that keeps exiting. */
export interface RestartPolicy {
  /** The wait before restarting a service that exited after it had stayed up. */
  firstDelayMs: number;
  /** The longest wait: a service that keeps exiting is restarted this often, for as long as it takes. */
  maxDelayMs: number;
  /** A run this long counts as having stayed up: its exit starts the backoff from the first wait again. */
  stableAfterMs: number;
}

/** 1 s doubling to 30 s: a database restart is over before the waits grow long, an outage costs a log line per 30 s. */
export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 1_000, maxDelayMs: 30_000, stableAfterMs: 60_000 };

export interface RestartDecision {
  delayMs: number;
  /** Exits in a row, this one included, that each came before the service had stayed up. */
  exitStreak: number;
  /** True once, when the wait first reaches the cap: the log says that it stays there and never gives up. */
  reachedCap: boolean;
}

function delayFor(exitStreak: number, policy: RestartPolicy): number {
  // The consumer's capped doubling without jitter; its retry count is not consulted, a supervisor never stops.
  const doubling = resolveRetryPolicy({ initialDelayMs: policy.firstDelayMs, maxDelayMs: policy.maxDelayMs, multiplier: 2, jitter: 0 });
  return retryDelayMs(doubling, exitStreak);
}

/**
 * When to restart a service that just exited after `uptimeMs`, given how many exits in a row came
 * before it (`previousStreak`): the wait doubles with every quick exit up to the cap, and a run that
 * lasted `stableAfterMs` resets it, so a service that crashes once a day is back within a second.
 */
export function planRestart(previousStreak: number, uptimeMs: number, policy: RestartPolicy): RestartDecision {
  const exitStreak = uptimeMs >= policy.stableAfterMs ? 1 : previousStreak + 1;
  const delayMs = delayFor(exitStreak, policy);
  const reachedCap = delayMs >= policy.maxDelayMs && (exitStreak === 1 || delayFor(exitStreak - 1, policy) < policy.maxDelayMs);
  return { delayMs, exitStreak, reachedCap };
}

/** `exited with code 1`, `was killed by SIGKILL`: a child's exit as Node reports it. */
export function describeExit(code: number | null, signal: string | null): string {
  if (signal !== null) return `was killed by ${signal}`;
  return code === null ? 'exited' : `exited with code ${code}`;
}
