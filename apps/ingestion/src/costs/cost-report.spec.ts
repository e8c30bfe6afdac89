import type { DailyLaneCost } from '@sluice/ledger';
import { costReport, parseCostRange } from './cost-report';

const NOW = new Date('2030-03-15T17:30:00Z');

describe('parseCostRange', () => {
  it('reads UTC days, both included', () => {
    expect(parseCostRange({ from: '2030-03-01', to: '2030-03-02' }, NOW)).toEqual({
      ok: true,
      from: '2030-03-01',
      to: '2030-03-02',
      start: new Date('2030-03-01T00:00:00.000Z'),
      end: new Date('2030-03-03T00:00:00.000Z'),
    });
  });

  it('defaults to the 30 days up to today', () => {
    expect(parseCostRange({}, NOW)).toMatchObject({ ok: true, from: '2030-02-14', to: '2030-03-15' });
    expect(parseCostRange({ to: '2030-01-30' }, NOW)).toMatchObject({ ok: true, from: '2030-01-01', to: '2030-01-30' });
    expect(parseCostRange({ from: '2030-03-15' }, NOW)).toMatchObject({ ok: true, from: '2030-03-15', to: '2030-03-15' });
  });

  it.each([
    [{ from: '2030-3-1' }, 'from', 'INVALID_FIELD'],
    [{ from: '2030-02-30' }, 'from', 'INVALID_FIELD'],
    [{ to: 'yesterday' }, 'to', 'INVALID_FIELD'],
    [{ from: '2030-03-02', to: '2030-03-01' }, 'from', 'INVALID_FIELD'],
    [{ from: '2029-01-01', to: '2030-01-02' }, 'from', 'INVALID_FIELD'],
    [{ from: ['2030-03-01', '2030-03-02'] }, 'from', 'INVALID_FIELD'],
    [{ tenant: 'other' }, 'tenant', 'UNKNOWN_FIELD'],
  ])('refuses %j naming %s', (query, field, code) => {
    expect(parseCostRange(query, NOW)).toMatchObject({ ok: false, error: { field, code, message: expect.any(String) } });
  });

  it('allows a year and a leap day', () => {
    expect(parseCostRange({ from: '2028-01-01', to: '2028-12-31' }, NOW)).toMatchObject({ ok: true });
  });
});

describe('costReport', () => {
  const row = (day: string, lane: DailyLaneCost['lane'], figures: Partial<DailyLaneCost>): DailyLaneCost => ({
    day,
    lane,
    requests: 0,
    results: 0,
    costUsd: 0,
    supersededCostUsd: 0,
    extraCalls: 0,
    extraCostUsd: 0,
    realtimeCostUsd: 0,
    savedUsd: 0,
    ...figures,
  });

  it('groups by day, totals per day, per lane and overall, exactly', () => {
    const report = costReport(
      [
        row('2030-03-01', 'batch', {
          requests: 2,
          results: 3,
          costUsd: 0.0000366,
          supersededCostUsd: 0.00001,
          extraCalls: 0,
          extraCostUsd: 0,
          realtimeCostUsd: 0.0000532,
          savedUsd: 0.0000166,
        }),
        row('2030-03-01', 'realtime', { requests: 1, results: 1, costUsd: 0.00002, realtimeCostUsd: 0.00002 }),
        row('2030-03-02', 'batch', { requests: 1, results: 1, costUsd: 0.0000012, realtimeCostUsd: 0.0000024, savedUsd: 0.0000012 }),
      ],
      { from: '2030-03-01', to: '2030-03-31' },
    );

    expect(report.days.map((day) => [day.day, day.lanes.map((lane) => lane.lane), day.total.costUsd])).toEqual([
      ['2030-03-01', ['batch', 'realtime'], 0.0000566],
      ['2030-03-02', ['batch'], 0.0000012],
    ]);
    expect(report.lanes).toEqual([
      {
        lane: 'batch',
        requests: 3,
        results: 4,
        costUsd: 0.0000378,
        supersededCostUsd: 0.00001,
        extraCalls: 0,
        extraCostUsd: 0,
        realtimeCostUsd: 0.0000556,
        savedUsd: 0.0000178,
      },
      {
        lane: 'realtime',
        requests: 1,
        results: 1,
        costUsd: 0.00002,
        supersededCostUsd: 0,
        extraCalls: 0,
        extraCostUsd: 0,
        realtimeCostUsd: 0.00002,
        savedUsd: 0,
      },
    ]);
    // Plain addition would give 0.00005780000000000001 here.
    expect(report.total).toEqual({
      requests: 4,
      results: 5,
      costUsd: 0.0000578,
      supersededCostUsd: 0.00001,
      extraCalls: 0,
      extraCostUsd: 0,
      realtimeCostUsd: 0.0000756,
      savedUsd: 0.0000178,
    });
    expect(report).toMatchObject({ from: '2030-03-01', to: '2030-03-31', currency: 'USD' });
  });

  it('reports zeros for a range without bookings', () => {
    expect(costReport([], { from: '2030-03-01', to: '2030-03-01' })).toEqual({
      from: '2030-03-01',
      to: '2030-03-01',
      currency: 'USD',
      days: [],
      lanes: [],
      total: { requests: 0, results: 0, costUsd: 0, supersededCostUsd: 0, extraCalls: 0, extraCostUsd: 0, realtimeCostUsd: 0, savedUsd: 0 },
    });
  });
});
