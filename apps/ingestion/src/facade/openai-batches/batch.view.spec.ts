import type { FacadeBatchRecord, JobProgressCounts, JobRecord } from '@sluice/ledger';
import { batchObject, errorFileId, outputFileId, resultFileOf } from './batch.view';

const created = new Date('2030-01-01T00:00:00Z');
const batch: FacadeBatchRecord = {
  tenant: 'acme',
  id: 'batch_1',
  endpoint: '/v1/chat/completions',
  inputFileId: 'file-1',
  completionWindow: '24h',
  metadata: { run: 'x' },
  deadline: new Date('2030-01-02T00:00:00Z'),
  createdAt: created,
  cancelledAt: null,
  errors: null,
};

function job(status: JobRecord['status'], lines: number, invalidLines = 0): JobRecord {
  const at = new Date('2030-01-01T00:10:00Z');
  return { tenant: 'acme', id: 'batch_1', status, options: {}, defaults: {}, lines, invalidLines, createdAt: created, receivedAt: created, updatedAt: at };
}

function counts(total: number, succeeded: number, failed: number): JobProgressCounts {
  return { total, succeeded, failed, byLane: new Map() };
}

describe('batchObject', () => {
  it('is validating while the lines are read, in progress while any is unanswered, then completed with its files', () => {
    expect(batchObject(batch, { job: job('receiving', 10), counts: counts(10, 0, 0) })).toMatchObject({ status: 'validating', output_file_id: null });
    expect(batchObject(batch, { job: job('received', 10), counts: counts(10, 4, 1) })).toMatchObject({
      status: 'in_progress',
      request_counts: { total: 10, completed: 4, failed: 1 },
      output_file_id: null,
    });
    expect(batchObject(batch, { job: job('received', 10, 1), counts: counts(9, 8, 1) })).toMatchObject({
      status: 'completed',
      request_counts: { total: 10, completed: 8, failed: 2 },
      output_file_id: outputFileId('batch_1'),
      error_file_id: errorFileId('batch_1'),
      completed_at: Date.parse('2030-01-01T00:10:00Z') / 1000,
      expires_at: Date.parse('2030-01-02T00:00:00Z') / 1000,
    });
  });

  it('is cancelling until every line ended, then cancelled', () => {
    const cancelled = { ...batch, cancelledAt: new Date('2030-01-01T00:05:00Z') };
    expect(batchObject(cancelled, { job: job('received', 2), counts: counts(2, 1, 0) })).toMatchObject({ status: 'cancelling', cancelled_at: null });
    expect(batchObject(cancelled, { job: job('received', 2), counts: counts(2, 2, 0) })).toMatchObject({ status: 'cancelled', completed_at: null });
  });

  it('is failed, with its errors as a list, when validation refused the file', () => {
    const failed = { ...batch, errors: [{ code: 'duplicate_custom_id', message: 'line 2', line: 2, param: 'custom_id' }] };
    expect(batchObject(failed, { job: undefined, counts: counts(0, 0, 0) })).toMatchObject({
      status: 'failed',
      errors: { object: 'list', data: failed.errors },
      in_progress_at: null,
      request_counts: { total: 0, completed: 0, failed: 0 },
    });
  });
});

describe('result file ids', () => {
  it('name their batch and kind, and nothing else is one', () => {
    expect(resultFileOf(outputFileId('batch_01J'))).toEqual({ batchId: 'batch_01J', kind: 'output' });
    expect(resultFileOf(errorFileId('batch_01J'))).toEqual({ batchId: 'batch_01J', kind: 'errors' });
    expect(resultFileOf('file-01JABC')).toBeUndefined();
  });
});
