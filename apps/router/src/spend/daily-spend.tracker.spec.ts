import type { SpendSummary } from '@sluice/ledger';
import { DailySpendTracker, type SpendLedger, startOfUtcDay } from './daily-spend.tracker';

class FakeSpend implements SpendLedger {
  readonly calls: Array<{ tenant: string; since: Date }> = [];
  usd = 1.25;
  fail = false;

  async spendSince(tenant: string, since: Date): Promise<SpendSummary> {
    this.calls.push({ tenant, since });
    if (this.fail) throw new Error('database down');
    return { requests: 3, costUsd: this.usd, realtimeCostUsd: 2 * this.usd, savedUsd: this.usd };
  }
}

const NOON = new Date('2030-01-01T12:00:00Z');

describe('DailySpendTracker', () => {
  it('asks for the spend since midnight UTC', async () => {
    const ledger = new FakeSpend();
    expect(await new DailySpendTracker(ledger, 5_000).spentTodayUsd('acme', NOON)).toBe(1.25);
    expect(ledger.calls).toEqual([{ tenant: 'acme', since: new Date('2030-01-01T00:00:00Z') }]);
    expect(startOfUtcDay(new Date('2030-01-01T00:30:00+02:00'))).toEqual(new Date('2029-12-31T00:00:00Z'));
  });

  it('reuses the answer per tenant within the ttl, then asks again', async () => {
    const ledger = new FakeSpend();
    const tracker = new DailySpendTracker(ledger, 5_000);
    await Promise.all([tracker.spentTodayUsd('acme', NOON), tracker.spentTodayUsd('acme', NOON)]);
    await tracker.spentTodayUsd('acme', new Date(NOON.getTime() + 4_999));
    await tracker.spentTodayUsd('other', NOON);
    expect(ledger.calls.map((c) => c.tenant)).toEqual(['acme', 'other']);
    ledger.usd = 7;
    expect(await tracker.spentTodayUsd('acme', new Date(NOON.getTime() + 5_000))).toBe(7);
  });

  it('starts afresh at midnight, whatever the ttl', async () => {
    const ledger = new FakeSpend();
    const tracker = new DailySpendTracker(ledger, 3_600_000);
    await tracker.spentTodayUsd('acme', new Date('2030-01-01T23:59:59Z'));
    await tracker.spentTodayUsd('acme', new Date('2030-01-02T00:00:01Z'));
    expect(ledger.calls.map((c) => c.since)).toEqual([new Date('2030-01-01T00:00:00Z'), new Date('2030-01-02T00:00:00Z')]);
  });

  it('does not keep a failure', async () => {
    const ledger = new FakeSpend();
    const tracker = new DailySpendTracker(ledger, 5_000);
    ledger.fail = true;
    await expect(tracker.spentTodayUsd('acme', NOON)).rejects.toThrow('database down');
    ledger.fail = false;
    expect(await tracker.spentTodayUsd('acme', NOON)).toBe(1.25);
  });
});
