import { DependencyUnavailableError } from '@sluice/contracts';
import { setTimeout as sleep } from 'node:timers/promises';
import { retryDelayMs, type RetryBackoff } from '../consumer/retry.policy';

/** The pause between tries while a dependency is away: a quarter second, doubling to five. */
export const OUTAGE_WAIT_BACKOFF: RetryBackoff = { initialDelayMs: 250, maxDelayMs: 5_000, multiplier: 2, jitter: 0 };

export interface OutageWait {
  /** Ends the wait: the work is not tried again, and `stopped` is thrown. */
  signal: AbortSignal;
  /** Told of each failed try before its pause, for a log line or a gauge. */
  onWait: (error: DependencyUnavailableError, attempt: number) => void;
  /** OUTAGE_WAIT_BACKOFF unless given (tests wait less). */
  backoff?: RetryBackoff;
  /** What to throw when `signal` ended the wait: the caller decides what a stop means for its message. */
  stopped: (last: DependencyUnavailableError) => Error;
}

/**
 * Does `work` again, with capped backoff, for as long as a dependency it needs is unavailable (the
 * broker, the database): for work that must not be undone by a retry of the whole message, e.g.
 * once something was published or paid for. Any other failure is thrown at once.
 */
export async function waitOutOutage<T>(work: () => Promise<T>, { signal, onWait, backoff = OUTAGE_WAIT_BACKOFF, stopped }: OutageWait): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      if (signal.aborted) throw stopped(error);
      onWait(error, attempt);
      await sleep(retryDelayMs(backoff, attempt), undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw stopped(error);
    }
  }
}
