import { DependencyUnavailableError } from '@sluice/contracts';
import { type RetryBackoff, waitOutOutage } from '@sluice/kafka';
import { ShutdownAbortError } from '../calls/provider.caller';

/**
 * Publishes a result the provider was already paid for, waiting out a broker outage with capped
 * backoff for as long as it lasts: given up, the lane message would be dead-lettered and its answer
 * lost. Any other failure is thrown at once; when `signal` fires (shutdown, the partition taken away)
 * the wait ends in a ShutdownAbortError, so the message is handed back, not dead-lettered.
 */
export function publishThroughOutage(
  publish: () => Promise<void>,
  signal: AbortSignal,
  onWait: (error: DependencyUnavailableError, attempt: number) => void,
  backoff?: RetryBackoff,
): Promise<void> {
  return waitOutOutage(publish, { signal, onWait, backoff, stopped: () => new ShutdownAbortError() });
}
