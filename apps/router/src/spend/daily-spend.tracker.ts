import type { CompletionsRepository } from '@sluice/ledger';
import type { SpendSource } from '../accepted/routing.ports';

export type SpendLedger = Pick<CompletionsRepository, 'spendSince'>;

interface CachedSpend {
  dayStartMs: number;
  fetchedAtMs: number;
  usd: Promise<number>;
}

export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * A tenant's spend since midnight UTC, reused for `ttlMs` so that a burst of one tenant's requests
 * costs one ledger query, not one each. It counts booked completions only: work routed but not yet
 * answered is not in it, so a burst can pass a budget by at most what is in flight at the time.
 */
export class DailySpendTracker implements SpendSource {
  private readonly cached = new Map<string, CachedSpend>();

  constructor(
    private readonly ledger: SpendLedger,
    private readonly ttlMs: number,
  ) {}

  spentTodayUsd(tenant: string, now: Date): Promise<number> {
    const dayStart = startOfUtcDay(now);
    const entry = this.cached.get(tenant);
    if (entry && entry.dayStartMs === dayStart.getTime() && now.getTime() - entry.fetchedAtMs < this.ttlMs) return entry.usd;
    // Concurrent callers share the query in flight; a failed query is not kept, so the next call retries it.
    const usd = this.ledger.spendSince(tenant, dayStart).then((spend) => spend.costUsd);
    this.cached.set(tenant, { dayStartMs: dayStart.getTime(), fetchedAtMs: now.getTime(), usd });
    usd.catch(() => {
      if (this.cached.get(tenant)?.usd === usd) this.cached.delete(tenant);
    });
    return usd;
  }
}
