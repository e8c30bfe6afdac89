import type { DlqEntry } from '@sluice/kafka';
import { matchesFilter, parseTimeBound } from './dlq.filter';

const NOW = Date.parse('2030-03-01T12:00:00Z');

function entry(overrides: Partial<DlqEntry> = {}): DlqEntry {
  return {
    partition: 0,
    offset: '7',
    timestampMs: Date.parse('2030-03-01T11:00:00Z'),
    originalTopic: 'sluice.requests.v1',
    errorCode: 'INVALID_JSON',
    errorMessage: 'value is not JSON',
    tenant: 'acme',
    requestId: 'r-1',
    key: null,
    value: null,
    headers: {},
    ...overrides,
  };
}

describe('parseTimeBound', () => {
  it('reads an ISO-8601 instant as that instant', () => {
    expect(parseTimeBound('2030-02-28T10:00:00Z', NOW)).toBe(Date.parse('2030-02-28T10:00:00Z'));
    expect(parseTimeBound('2030-02-28T10:00:00+02:00', NOW)).toBe(Date.parse('2030-02-28T08:00:00Z'));
  });

  it('reads a duration as that long before now', () => {
    expect(parseTimeBound('2h', NOW)).toBe(NOW - 2 * 3_600_000);
    expect(parseTimeBound('1h30m', NOW)).toBe(NOW - 90 * 60_000);
  });

  it('refuses anything else', () => {
    for (const text of ['yesterday', '2030-02-28', '-2h', '', '2030-02-28T10:00:00']) expect(parseTimeBound(text, NOW)).toBeUndefined();
  });
});

describe('matchesFilter', () => {
  it('matches everything with no filter', () => {
    expect(matchesFilter(entry(), {})).toBe(true);
    expect(matchesFilter(entry({ tenant: undefined, originalTopic: undefined }), {})).toBe(true);
  });

  it('matches reason, tenant and original topic exactly', () => {
    expect(matchesFilter(entry(), { reason: 'INVALID_JSON', tenant: 'acme', topic: 'sluice.requests.v1' })).toBe(true);
    expect(matchesFilter(entry(), { reason: 'RETRIES_EXHAUSTED' })).toBe(false);
    expect(matchesFilter(entry(), { tenant: 'acm' })).toBe(false);
    expect(matchesFilter(entry({ tenant: undefined }), { tenant: 'acme' })).toBe(false);
    expect(matchesFilter(entry(), { topic: 'sluice.requests.bulk.v1' })).toBe(false);
  });

  it('takes since as inclusive and until as exclusive', () => {
    const at = entry().timestampMs;
    expect(matchesFilter(entry(), { sinceMs: at, untilMs: at + 1 })).toBe(true);
    expect(matchesFilter(entry(), { sinceMs: at + 1 })).toBe(false);
    expect(matchesFilter(entry(), { untilMs: at })).toBe(false);
    expect(matchesFilter(entry({ timestampMs: Number.NaN }), { sinceMs: 0 })).toBe(false);
  });

  it('matches named entries by partition and offset', () => {
    expect(
      matchesFilter(entry(), {
        entries: [
          { partition: 1, offset: '7' },
          { partition: 0, offset: '7' },
        ],
      }),
    ).toBe(true);
    expect(
      matchesFilter(entry(), {
        entries: [
          { partition: 1, offset: '7' },
          { partition: 0, offset: '8' },
        ],
      }),
    ).toBe(false);
  });
});
