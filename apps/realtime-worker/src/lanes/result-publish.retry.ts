import { DependencyUnavailableError } from '@sluice/contracts';
import { retryDelayMs, type RetryBackoff } from '@sluice/kafka';
import { setTimeout as sleep } from 'node:timers/promises';
import { ShutdownAbortError } from '../calls/provider.caller';

export const RESULT_PUBLISH_RETRY: RetryBackoff = { initialDelayMs: 250, maxDelayMs: 5_000, multiplier: 2, jitter: 0 };

/**
 * Publishes a result the provider was already paid for, waiting out a broker outage with capped
 * backoff for as long as it lasts: given up, the lane message would be dead-lettered and its answer
 * lost. Any other failure is thrown at once; when `signal` fires (shutdown, the partition taken away)
 * the wait ends in a ShutdownAbortError, so the message is handed back, not dead-lettered.
 */
export async function publishThroughOutage(
  publish: () => Promise<void>,
  signal: AbortSignal,
  onWait: (error: DependencyUnavailableError, attempt: number) => void,
  backoff: RetryBackoff = RESULT_PUBLISH_RETRY,
): Promise<void> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      await publish();
      return;
    } catch (error) {
      if (!(error instanceof DependencyUnavailableError)) throw error;
      if (signal.aborted) throw new ShutdownAbortError();
      onWait(error, attempt);
      await sleep(retryDelayMs(backoff, attempt), undefined, { signal }).catch(() => undefined);
      if (signal.aborted) throw new ShutdownAbortError();
    }
  }
}
