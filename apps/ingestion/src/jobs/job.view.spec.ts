import type { Lane } from '@sluice/contracts';
import type { JobProgressCounts, JobRecord } from '@sluice/ledger';
import { jobState, jobView } from './job.view';

const record: JobRecord = {
  tenant: 'acme',
  id: 'nightly',
  status: 'received',
  options: { deadline: '6h' },
  defaults: { deadline: '2030-01-01T06:00:00.000Z' },
  lines: 7,
  invalidLines: 1,
  createdAt: new Date('2030-01-01T00:00:00Z'),
  receivedAt: new Date('2030-01-01T00:00:05Z'),
  updatedAt: new Date('2030-01-01T00:00:05Z'),
};

function counted(byLane: Array<[Lane | null, number, number, number]>): JobProgressCounts {
  const map = new Map(byLane.map(([lane, total, succeeded, failed]) => [lane, { total, succeeded, failed }]));
  const sum = (pick: (value: { total: number; succeeded: number; failed: number }) => number) => [...map.values()].reduce((n, v) => n + pick(v), 0);
  return { total: sum((v) => v.total), succeeded: sum((v) => v.succeeded), failed: sum((v) => v.failed), byLane: map };
}

describe('jobView', () => {
  it('shows progress overall and per lane, with the requests not routed yet', () => {
    const view = jobView(
      record,
      counted([
        ['batch', 4, 2, 1],
        ['cache', 1, 1, 0],
        [null, 1, 0, 0],
      ]),
    );
    expect(view).toEqual({
      id: 'nightly',
      status: 'running',
      createdAt: '2030-01-01T00:00:00.000Z',
      receivedAt: '2030-01-01T00:00:05.000Z',
      options: { deadline: '6h' },
      defaults: { deadline: '2030-01-01T06:00:00.000Z' },
      lines: 7,
      invalid: 1,
      progress: {
        total: 6,
        succeeded: 3,
        failed: 1,
        pending: 2,
        unrouted: 1,
        fraction: 4 / 6,
        lanes: { batch: { total: 4, succeeded: 2, failed: 1, pending: 1 }, cache: { total: 1, succeeded: 1, failed: 0, pending: 0 } },
      },
      links: { self: '/v1/jobs/nightly', results: '/v1/jobs/nightly/results', errors: '/v1/jobs/nightly/errors' },
    });
  });

  it('is completed once every line was read and nothing is pending, even with nothing accepted', () => {
    expect(jobView(record, counted([['realtime', 2, 1, 1]]))).toMatchObject({ status: 'completed', progress: { fraction: 1 } });
    expect(jobView(record, counted([]))).toMatchObject({ status: 'completed', progress: { total: 0, fraction: 1, lanes: {} } });
  });
});

describe('jobState', () => {
  it('is the upload state until the upload was read, then the requests decide', () => {
    expect(jobState({ status: 'receiving' }, { pending: 0 })).toBe('receiving');
    expect(jobState({ status: 'interrupted' }, { pending: 3 })).toBe('interrupted');
    expect(jobState({ status: 'received' }, { pending: 3 })).toBe('running');
    expect(jobState({ status: 'received' }, { pending: 0 })).toBe('completed');
  });
});
