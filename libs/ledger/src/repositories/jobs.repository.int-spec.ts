import { AcceptedRequestV1, ErrorCode, InferenceResultV1, Lane, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleAccepted, sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import { randomTenant } from '@sluice/testing';
import { createTestDatabase, TestDatabase } from '../testing/test-database';
import { CompletionsRepository } from './completions.repository';
import { JobsRepository } from './jobs.repository';
import { requestRecordFromAccepted, RequestsRepository } from './requests.repository';

function accepted(tenant: string, id: string): AcceptedRequestV1 {
  const outcome = validateMessage(AcceptedRequestV1, sampleAccepted({ request: sampleRequest({ tenant, id }) }));
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

function result(tenant: string, id: string, lane: Lane, status: 'succeeded' | 'failed' = 'succeeded'): InferenceResultV1 {
  const failure = { status: 'failed', response: undefined, error: { code: 'PROVIDER_ERROR', message: 'boom', retryable: false } };
  const outcome = validateMessage(
    InferenceResultV1,
    sampleResult({ tenant, id, lane, resultId: resultIdFor(tenant, id, lane), ...(status === 'failed' ? failure : {}) }),
  );
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.value;
}

describe('JobsRepository', () => {
  let db: TestDatabase;
  let jobs: JobsRepository;
  let requests: RequestsRepository;
  let completions: CompletionsRepository;

  beforeAll(async () => {
    db = await createTestDatabase();
    jobs = new JobsRepository(db.pool);
    requests = new RequestsRepository(db.pool);
    completions = new CompletionsRepository(db.pool);
  });

  afterAll(async () => {
    await db.drop();
  });

  async function recordLines(tenant: string, jobId: string, lines: number[]): Promise<void> {
    await requests.insertMany(lines.map((line) => ({ ...requestRecordFromAccepted(accepted(tenant, `${jobId}-${line}`)), job: { id: jobId, line } })));
  }

  it('creates a job once; the same id with the same options is the same job, with other options a conflict', async () => {
    const tenant = randomTenant();
    const job = {
      tenant,
      id: 'nightly',
      options: { deadline: '6h' },
      defaults: { deadline: '2030-01-01T06:00:00.000Z' },
      createdAt: new Date('2030-01-01T00:00:00Z'),
    };
    const created = await jobs.open(job);
    expect(created).toMatchObject({
      outcome: 'created',
      job: { id: 'nightly', status: 'receiving', lines: 0, invalidLines: 0, receivedAt: null, createdAt: job.createdAt },
    });

    await jobs.recordLineErrors(tenant, 'nightly', [{ line: 2, requestId: 'nightly-2', code: ErrorCode.INVALID_JSON, message: 'bad', field: '' }]);
    await jobs.recordIntake(tenant, 'nightly', { lines: 3, invalidLines: 1 }, 'received');
    expect(await jobs.get(tenant, 'nightly')).toMatchObject({ status: 'received', lines: 3, invalidLines: 1, receivedAt: expect.any(Date) });

    // A re-post reads the lines again: the job is receiving again and keeps its first defaults.
    const again = await jobs.open({ ...job, defaults: { deadline: '2031-01-01T00:00:00.000Z' } });
    expect(again).toMatchObject({ outcome: 'existing', job: { status: 'receiving', lines: 0, receivedAt: null, defaults: job.defaults } });
    expect(await jobs.lineErrors(tenant, 'nightly', undefined, 10)).toEqual([]);

    expect(await jobs.open({ ...job, options: { deadline: '1h' } })).toMatchObject({ outcome: 'conflict', job: { options: { deadline: '6h' } } });
    expect(await jobs.get(randomTenant(), 'nightly')).toBeUndefined();
  });

  it('keeps refused lines one row per problem and pages them in line order', async () => {
    const tenant = randomTenant();
    await jobs.open({ tenant, id: 'j', options: {}, defaults: {}, createdAt: new Date() });
    await jobs.recordLineErrors(tenant, 'j', [
      { line: 9, requestId: 'j-9', code: ErrorCode.INVALID_JSON, message: 'not JSON', field: '' },
      { line: 3, requestId: 'j-3', code: ErrorCode.MISSING_FIELD, message: 'body.model is required', field: 'body.model' },
      { line: 3, requestId: 'j-3', code: ErrorCode.INVALID_FIELD, message: 'mode must be one of …', field: 'mode' },
    ]);
    const first = await jobs.lineErrors(tenant, 'j', undefined, 2);
    expect(first.map((e) => [e.line, e.seq, e.field])).toEqual([
      [3, 0, 'body.model'],
      [3, 1, 'mode'],
    ]);
    const rest = await jobs.lineErrors(tenant, 'j', first[1], 2);
    expect(rest).toEqual([{ line: 9, seq: 0, requestId: 'j-9', code: 'INVALID_JSON', message: 'not JSON', field: '' }]);
    expect(await jobs.lineErrors(randomTenant(), 'j', undefined, 10)).toEqual([]);
  });

  it('counts progress by lane and outcome, for the tenant and job only', async () => {
    const tenant = randomTenant();
    await recordLines(tenant, 'p', [1, 2, 3, 4, 5]);
    await recordLines(tenant, 'other-job', [1]);
    await requests.setStatus(tenant, 'p-1', 'batched', 'batch');
    await requests.setStatus(tenant, 'p-2', 'batched', 'batch');
    await completions.book(result(tenant, 'p-2', 'batch'));
    await completions.book(result(tenant, 'p-3', 'realtime', 'failed'));

    const progress = await jobs.progress(tenant, 'p');
    expect({ ...progress, byLane: Object.fromEntries(progress.byLane) }).toEqual({
      total: 5,
      succeeded: 1,
      failed: 1,
      byLane: {
        batch: { total: 2, succeeded: 1, failed: 0 },
        realtime: { total: 1, succeeded: 0, failed: 1 },
        null: { total: 2, succeeded: 0, failed: 0 },
      },
    });
    expect((await jobs.progress(randomTenant(), 'p')).total).toBe(0);
  });

  it('reads delivered results in line order, page by page, skipping lines not done yet', async () => {
    const tenant = randomTenant();
    await recordLines(tenant, 'r', [1, 2, 3, 4, 5, 12]);
    for (const line of [12, 4, 2, 1]) await completions.book(result(tenant, `r-${line}`, 'batch'));

    const page = await jobs.results(tenant, 'r', 0, 3);
    expect(page.map((item) => [item.line, item.result.id])).toEqual([
      [1, 'r-1'],
      [2, 'r-2'],
      [4, 'r-4'],
    ]);
    expect(validateMessage(InferenceResultV1, page[0].result).ok).toBe(true);
    expect((await jobs.results(tenant, 'r', 4, 3)).map((item) => item.line)).toEqual([12]);
    expect(await jobs.results(randomTenant(), 'r', 0, 10)).toEqual([]);
  });
});
