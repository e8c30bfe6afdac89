import type { CompletionsRepository } from '@sluice/ledger';
import type { SpendSource } from '../accepted/routing.ports';

export type SpendLedger = Pick<CompletionsRepository, 'costsSince'>;

export function startOfUtcDay(now: Date): Date {
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
}

/**
 * The spend since midnight UTC of every tenant with a daily budget, read for all of them in one query
 * by a background timer (SpendRefresher) and answered from memory while routing, so no request waits
 * on it; only the first batch of a UTC day (or after a boot) waits for one read.
 *
 * Why a stale figure is good enough: it counts booked completions only, so work routed but not yet
 * answered was never in it; a refresh interval adds at most what was booked within it. Every copy of
 * the router reads the same ledger total, so with N copies a tenant can pass its budget by what all of
 * them route in one interval plus what is in flight: the budget is approximate, by one refresh interval.
 */
export class DailySpendTracker implements SpendSource {
  private snapshot?: { dayStartMs: number; usd: ReadonlyMap<string, number> };
  private reading?: Promise<void>;

  constructor(
    private readonly ledger: SpendLedger,
    /** The tenants with a daily budget in the routing policy: nobody else's spend is ever looked at. */
    private readonly tenants: readonly string[],
  ) {}

  spentTodayUsd(tenant: string, now: Date): number | undefined {
    if (this.snapshot?.dayStartMs !== startOfUtcDay(now).getTime()) return undefined;
    return this.snapshot.usd.get(tenant) ?? 0;
  }

  /** Concurrent callers share the read in flight; a failed read keeps the previous figures. */
  refresh(now: Date): Promise<void> {
    if (this.reading) return this.reading;
    const dayStart = startOfUtcDay(now);
    this.reading = this.ledger
      .costsSince(this.tenants, dayStart)
      .then((usd) => {
        this.snapshot = { dayStartMs: dayStart.getTime(), usd };
      })
      .finally(() => {
        this.reading = undefined;
      });
    return this.reading;
  }
}
