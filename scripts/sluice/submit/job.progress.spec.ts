import type { JobReceipt, JobView } from '../api/sluice.client';
import { derivedJobId, describeOutcome, describeReceipt, exitCodeFor, isFinished, needsUpload, progressFigures } from './job.progress';

function view(overrides: Partial<JobView> = {}, progress: Partial<JobView['progress']> = {}): JobView {
  return {
    id: 'job_x',
    status: 'running',
    lines: 10,
    invalid: 0,
    progress: { total: 10, succeeded: 4, failed: 1, pending: 5, unrouted: 2, fraction: 0.5, lanes: {}, ...progress },
    ...overrides,
  };
}

describe('derivedJobId', () => {
  it('is the same for the same file and options, and differs when either differs', () => {
    const id = derivedJobId('digest-a', { deadline: '6h' });
    expect(id).toMatch(/^job_[0-9a-f]{40}$/);
    expect(derivedJobId('digest-a', { deadline: '6h' })).toBe(id);
    expect(derivedJobId('digest-b', { deadline: '6h' })).not.toBe(id);
    expect(derivedJobId('digest-a', { deadline: '7h' })).not.toBe(id);
    expect(derivedJobId('digest-a', { deadline: '6h', mode: 'batch' })).not.toBe(id);
  });
});

describe('needsUpload and isFinished', () => {
  it('uploads a new job or one whose upload did not finish, and follows the others', () => {
    expect(needsUpload(undefined)).toBe(true);
    expect(needsUpload(view({ status: 'receiving' }))).toBe(true);
    expect(needsUpload(view({ status: 'interrupted' }))).toBe(true);
    expect(needsUpload(view({ status: 'running' }))).toBe(false);
    expect(needsUpload(view({ status: 'completed' }))).toBe(false);
    expect(isFinished(view({ status: 'completed' }))).toBe(true);
    expect(isFinished(view({ status: 'running' }))).toBe(false);
  });
});

describe('progressFigures', () => {
  it('counts answered requests, by lane, with those not routed yet', () => {
    const figures = progressFigures(
      view({}, { lanes: { batch: { total: 6, succeeded: 3, failed: 1, pending: 2 }, cache: { total: 2, succeeded: 1, failed: 0, pending: 1 } } }),
    );
    expect(figures).toEqual({ value: 5, total: 10, lanes: 'batch 4/6 · cache 1/2 · unrouted 2', failed: 1 });
    expect(progressFigures(view({}, { unrouted: 0 })).lanes).toBe('-');
  });
});

describe('exitCodeFor', () => {
  it('is 0 when every line was answered successfully, 3 with refused lines or failed requests', () => {
    expect(exitCodeFor(view({ status: 'completed' }, { failed: 0 }))).toBe(0);
    expect(exitCodeFor(view({ status: 'completed' }, { failed: 2 }))).toBe(3);
    expect(exitCodeFor(view({ status: 'completed', invalid: 1 }, { failed: 0 }))).toBe(3);
  });
});

describe('describeReceipt and describeOutcome', () => {
  const receipt: JobReceipt = {
    id: 'job_x',
    status: 'received',
    created: false,
    lines: 12,
    accepted: 10,
    duplicates: 4,
    invalid: 2,
    errors: [
      { line: 3, id: 'job_x-3', code: 'INVALID_JSON', message: 'the line is not valid JSON', field: '' },
      { line: 7, id: 'job_x-7', code: 'MISSING_FIELD', message: 'body.model is required', field: 'body.model' },
    ],
  };

  it('summarises the upload and lists refused lines', () => {
    expect(describeReceipt(receipt)).toEqual([
      'job job_x: 12 lines read, 10 accepted (4 already there from an earlier upload), 2 refused',
      '  line 3: INVALID_JSON: the line is not valid JSON',
      '  line 7: MISSING_FIELD body.model: body.model is required',
    ]);
    expect(describeReceipt(receipt, 1).at(-1)).toBe('  … every refused line: GET /v1/jobs/job_x/errors');
  });

  it('says how the job ended and where the results are', () => {
    expect(describeOutcome(view({ status: 'completed', invalid: 2 }, { succeeded: 9, failed: 1 }), 'out.jsonl', 10)).toBe(
      'job job_x completed: 9 succeeded, 1 failed, 2 lines refused; 10 results written to out.jsonl',
    );
    expect(describeOutcome(view({ status: 'completed', invalid: 1 }, { succeeded: 1, failed: 0 }), 'out.jsonl', 1)).toBe(
      'job job_x completed: 1 succeeded, 0 failed, 1 line refused; 1 result written to out.jsonl',
    );
  });
});
