/**
 * A dependency that every message needs (the ledger's database, the Kafka broker) cannot be reached
 * right now. It is not the message's fault, so it is no reason to dead-letter one: a consumer that
 * meets it waits for the dependency, retrying with capped backoff for as long as the outage lasts.
 * It lives here, at the bottom layer, for the libraries that detect outages (ledger, the Kafka
 * driver); the consumer runner, which imports none of ours, recognises it by its name.
 */
export class DependencyUnavailableError extends Error {
  override readonly name = 'DependencyUnavailableError';

  constructor(
    readonly dependency: string,
    cause: unknown,
  ) {
    super(`${dependency} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
