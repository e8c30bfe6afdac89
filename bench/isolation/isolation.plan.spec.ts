import { intakeOutcome, p99Ratio } from './isolation.plan';
import { parseIsolationOptions } from './isolation.options';

describe('isolation plan', () => {
  it('tells a finished intake from a window that ran out, and says when nothing was taken in at all', () => {
    const bulk = { name: 'sluice.requests.bulk.v1', topic: 'sluice.requests.bulk.v1' };
    expect(intakeOutcome({ sent: 10, onLane: 10, done: true }, 10, 60, bulk)).toEqual({ complete: true, note: 'all 10 on sluice.lane.batch.v1' });
    expect(intakeOutcome({ sent: 10, onLane: 4, done: false }, 10, 60, bulk).note).toBe('window of 60 s ran out: 10 of 10 sent, 4 on sluice.lane.batch.v1');
    const none = intakeOutcome({ sent: 10, onLane: 0, done: false }, 10, 60, bulk);
    expect(none.complete).toBe(false);
    expect(none.note).toMatch(/^no intake: .*does anything consume sluice.requests.bulk.v1/);
    expect(intakeOutcome(undefined, 10, 60, { name: 'POST /v1/jobs' }).note).toBe(
      'no intake: 0 of 10 sent to POST /v1/jobs, none reached sluice.lane.batch.v1 within the 60 s window',
    );
  });

  it('rates a phase p99 against the alone phase', () => {
    expect(p99Ratio(75, 50)).toBe(1.5);
    expect(p99Ratio(null, 50)).toBeNull();
  });

  it('reads its options: alone first, known phases once', () => {
    expect(parseIsolationOptions([])).toMatchObject({ rate: 50, jobLines: 200_000, bulkRequests: 200_000, deadlineS: 20, phases: ['alone', 'job', 'bulk'] });
    expect(parseIsolationOptions(['--phases', 'alone,bulk', '--window', '90'])).toMatchObject({ phases: ['alone', 'bulk'], windowS: 90 });
    expect(() => parseIsolationOptions(['--phases', 'bulk,alone'])).toThrow('must start with alone');
    expect(() => parseIsolationOptions(['--phases', 'alone,storm'])).toThrow('not storm');
    expect(() => parseIsolationOptions(['--phases', 'alone,job,job'])).toThrow('twice');
  });
});
