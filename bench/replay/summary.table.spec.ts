import type { ReplaySummary } from './replay.summary';
import { formatDuration, formatSummary } from './summary.table';

const SUMMARY: ReplaySummary = {
  requests: 4,
  answered: 3,
  lanes: [
    { lane: 'realtime', requests: 2, billedUsd: 0.5 },
    { lane: 'async', requests: 1, billedUsd: 0.125 },
  ],
  classes: [
    { urgency: 'interactive', deadlineMs: 30_000, requests: 2, met: 2, late: 0, failed: 0, noResult: 0, pending: 0, attainment: 1, lanes: { realtime: 2 } },
    { urgency: 'minutes', deadlineMs: 900_000, requests: 1, met: 1, late: 0, failed: 0, noResult: 0, pending: 0, attainment: 1, lanes: { async: 1 } },
    { urgency: 'hours', deadlineMs: 43_200_000, requests: 1, met: 0, late: 0, failed: 0, noResult: 0, pending: 1, attainment: null, lanes: {} },
  ],
  cost: {
    requests: 3,
    sluiceUsd: 0.625,
    allRealtimeUsd: 0.75,
    lowerBoundUsd: 0.625,
    lowerBoundLanes: { realtime: 2, async: 1, batch: 0 },
    naiveAllBatch: { usd: 0.375, missedDeadlines: 3 },
    savedUsd: 0.125,
    savedPct: 16.666,
    ratioToLowerBound: 1,
    ratioToAllRealtime: 0.8333,
  },
  billedTotalUsd: 0.625,
  unanswered: [{ id: 'run-conv-3', urgency: 'hours', status: 'routed', routedLane: 'batch', deadline: '2026-01-01T12:00:00.000Z', pastDeadline: false }],
  complete: false,
};

describe('formatSummary', () => {
  const text = formatSummary(SUMMARY).join('\n');

  it('prints requests and cost per lane, with the requests that have no result', () => {
    expect(text).toContain('  realtime          2    0.5000');
    expect(text).toContain('  no result         1         -');
  });

  it('prints attainment per class, undecided while pending', () => {
    expect(text).toMatch(/interactive +30 s +2 +2 +0 +0 +0 +0 +100\.0 % +realtime 2/);
    expect(text).toMatch(/hours +12 h +1 +0 +0 +0 +0 +1 +- *$/m);
  });

  it('compares the billed cost with all-realtime, the lower bound and naive all-batch', () => {
    expect(text).toContain('Cost in USD over the 3 requests answered successfully');
    expect(text).toMatch(/all-realtime +0\.7500 +Sluice saved 0\.1250 USD \(16\.7 %\)/);
    expect(text).toMatch(/lower bound .* 0\.6250 +Sluice \/ lower bound = 1\.00x/);
    expect(text).toMatch(/naive all-batch +0\.3750 +would miss 3 of 3 deadlines/);
  });

  it('says which requests have no result and why', () => {
    expect(text).toContain('1 of 4 requests have no result:');
    expect(text).toContain(
      '  1 hours request(s) routed to batch (status routed): no result yet, deadline still ahead (pending) when the wait ended, e.g. run-conv-3',
    );
  });
});

describe('formatDuration', () => {
  it('uses the largest whole unit', () => {
    expect([formatDuration(30_000), formatDuration(900_000), formatDuration(43_200_000)]).toEqual(['30 s', '15 min', '12 h']);
  });
});
