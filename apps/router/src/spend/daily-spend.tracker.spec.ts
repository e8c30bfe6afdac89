import { DailySpendTracker, type SpendLedger, startOfUtcDay } from './daily-spend.tracker';

class FakeSpend implements SpendLedger {
  readonly calls: Array<{ tenants: readonly string[]; since: Date }> = [];
  usd = new Map([['acme', 1.25]]);
  fail = false;

  async costsSince(tenants: readonly string[], since: Date): Promise<Map<string, number>> {
    this.calls.push({ tenants, since });
    if (this.fail) throw new Error('database down');
    return new Map(this.usd);
  }
}

const NOON = new Date('2030-01-01T12:00:00Z');

describe('DailySpendTracker', () => {
  it('knows nothing before its first read, then answers from memory for every budgeted tenant', async () => {
    const ledger = new FakeSpend();
    const tracker = new DailySpendTracker(ledger, ['acme', 'quiet']);
    expect(tracker.spentTodayUsd('acme', NOON)).toBeUndefined();
    await tracker.refresh(NOON);
    expect(ledger.calls).toEqual([{ tenants: ['acme', 'quiet'], since: new Date('2030-01-01T00:00:00Z') }]);
    expect(tracker.spentTodayUsd('acme', NOON)).toBe(1.25);
    // Budgeted, but nothing booked today.
    expect(tracker.spentTodayUsd('quiet', NOON)).toBe(0);
    expect(ledger.calls).toHaveLength(1);
    expect(startOfUtcDay(new Date('2030-01-01T00:30:00+02:00'))).toEqual(new Date('2029-12-31T00:00:00Z'));
  });

  it('shares one read among concurrent callers, and takes the new figures on the next read', async () => {
    const ledger = new FakeSpend();
    const tracker = new DailySpendTracker(ledger, ['acme']);
    await Promise.all([tracker.refresh(NOON), tracker.refresh(NOON)]);
    expect(ledger.calls).toHaveLength(1);
    ledger.usd.set('acme', 7);
    await tracker.refresh(NOON);
    expect(tracker.spentTodayUsd('acme', NOON)).toBe(7);
  });

  it("does not answer with yesterday's figures after midnight", async () => {
    const ledger = new FakeSpend();
    const tracker = new DailySpendTracker(ledger, ['acme']);
    await tracker.refresh(new Date('2030-01-01T23:59:59Z'));
    const afterMidnight = new Date('2030-01-02T00:00:01Z');
    expect(tracker.spentTodayUsd('acme', afterMidnight)).toBeUndefined();
    await tracker.refresh(afterMidnight);
    expect(ledger.calls.map((c) => c.since)).toEqual([new Date('2030-01-01T00:00:00Z'), new Date('2030-01-02T00:00:00Z')]);
    expect(tracker.spentTodayUsd('acme', afterMidnight)).toBe(1.25);
  });

  it('keeps the previous figures when a read fails, and reads again next time', async () => {
    const ledger = new FakeSpend();
    const tracker = new DailySpendTracker(ledger, ['acme']);
    await tracker.refresh(NOON);
    ledger.fail = true;
    await expect(tracker.refresh(NOON)).rejects.toThrow('database down');
    expect(tracker.spentTodayUsd('acme', NOON)).toBe(1.25);
    ledger.fail = false;
    ledger.usd.set('acme', 2);
    await tracker.refresh(NOON);
    expect(tracker.spentTodayUsd('acme', NOON)).toBe(2);
  });
});
