import type { WorkValve } from '@sluice/kafka';
import { canonicalJson, Topics } from '@sluice/contracts';
import { DEFAULT_POLICY } from '@sluice/routing';
import { sampleRequest } from '@sluice/contracts/testing/message.samples';
import type { JobLineError, JobRecord, JobStatus, NewJob, OpenJobOutcome } from '@sluice/ledger';
import { CountingCounters, KnownTopics, MemoryLedger, RecordingPublisher } from '../../test/intake.fakes';
import { AcceptRequestsHandler } from '../accept/accept-requests.handler';
import { admissionErrors, OPEN_ADMISSION, TenantAdmission } from '../tenants/tenant.admission';
import { JobIntakeHandler, JobIntakeLimits, JobLedger, JobReceipt } from './job-intake.handler';
import { JsonlLine, jsonlLines } from './jsonl.lines';

const NOW = new Date('2030-01-01T00:00:00.000Z');
const NDJSON = 'application/x-ndjson';

class MemoryJobs implements JobLedger {
  readonly jobs = new Map<string, JobRecord>();
  readonly errors = new Map<string, JobLineError[]>();
  readonly intakes: Array<{ lines: number; invalidLines: number; status: JobStatus }> = [];

  async open(job: NewJob): Promise<OpenJobOutcome> {
    const key = `${job.tenant}/${job.id}`;
    const existing = this.jobs.get(key);
    if (existing && canonicalJson(existing.options) !== canonicalJson(job.options)) return { outcome: 'conflict', job: existing };
    if (existing) {
      this.errors.delete(key);
      return { outcome: 'existing', job: existing };
    }
    const record: JobRecord = { ...job, status: 'receiving', lines: 0, invalidLines: 0, receivedAt: null, updatedAt: NOW };
    this.jobs.set(key, record);
    return { outcome: 'created', job: record };
  }

  async recordIntake(tenant: string, id: string, counts: { lines: number; invalidLines: number }, status: JobStatus = 'receiving'): Promise<void> {
    this.intakes.push({ ...counts, status });
    const key = `${tenant}/${id}`;
    this.jobs.set(key, { ...this.jobs.get(key)!, ...counts, status });
  }

  async recordLineErrors(tenant: string, jobId: string, errors: readonly JobLineError[]): Promise<void> {
    const key = `${tenant}/${jobId}`;
    this.errors.set(key, [...(this.errors.get(key) ?? []), ...errors]);
  }
}

function requestLine(overrides: Record<string, unknown> = {}): string {
  const { tenant: _t, id: _i, deadline: _d, notBefore: _n, mode: _m, replyTo: _r, webhook: _w, ...rest } = sampleRequest();
  return JSON.stringify({ ...rest, ...overrides });
}

/** Lets pending promise callbacks run until the condition holds; the fakes never wait on timers. */
async function waitUntil(condition: () => boolean): Promise<void> {
  for (let turn = 0; turn < 1_000 && !condition(); turn += 1) await new Promise<void>((resolve) => setImmediate(resolve));
  if (!condition()) throw new Error('the condition never held');
}

async function* linesOf(text: string): AsyncGenerator<JsonlLine> {
  yield* jsonlLines([Buffer.from(text)], 4_096);
}

/** A valve that lets a chunk through only when the test says so, and counts the chunks it saw end. */
class TurnValve implements WorkValve {
  open = true;
  waiting: Array<() => void> = [];
  ended = 0;

  async admit(): Promise<() => void> {
    if (!this.open) await new Promise<void>((resolve) => this.waiting.push(resolve));
    return () => (this.ended += 1);
  }

  letOneThrough(): void {
    this.waiting.shift()?.();
  }
}

function setUp(limits: Partial<JobIntakeLimits> = {}, tenants: TenantAdmission = OPEN_ADMISSION, replyTopics = new KnownTopics(['acme.replies'])) {
  const valve = new TurnValve();
  const ledger = new MemoryLedger();
  const publisher = new RecordingPublisher();
  const counters = new CountingCounters();
  const jobs = new MemoryJobs();
  const intake = new AcceptRequestsHandler({ ledger, publisher, counters, clock: () => NOW, newId: () => 'req_unused', policy: DEFAULT_POLICY });
  let ids = 0;
  const handler = new JobIntakeHandler({
    jobs,
    intake,
    counters,
    clock: () => NOW,
    newJobId: () => `job_generated_${(ids += 1)}`,
    limits: { chunkLines: 500, chunkBytes: 1_000_000, chunksInFlight: 2, maxLines: 1_000, ...limits },
    valve,
    tenants,
    replyTopics,
  });
  const receive = (text: string, query: Record<string, unknown> = {}, contentType = NDJSON) =>
    handler.receive('acme', query, contentType, linesOf(text), { correlationId: 'corr-job' });
  return { ledger, publisher, counters, jobs, handler, receive, valve, replyTopics };
}

describe('JobIntakeHandler', () => {
  it('records each line as a request of the job with the job defaults, and publishes it', async () => {
    const { ledger, publisher, jobs, receive } = setUp();
    const reply = await receive(`${requestLine()}\n${requestLine({ id: 'own-id', mode: 'realtime' })}\n`, { id: 'nightly', deadline: '6h', mode: 'batch' });

    expect(reply).toEqual({
      status: 202,
      body: {
        id: 'nightly',
        status: 'received',
        created: true,
        lines: 2,
        accepted: 2,
        duplicates: 0,
        invalid: 0,
        errors: [],
        links: { self: '/v1/jobs/nightly', results: '/v1/jobs/nightly/results', errors: '/v1/jobs/nightly/errors' },
      },
    });
    expect(ledger.rows.get('acme/nightly-1')).toMatchObject({ job: { id: 'nightly', line: 1 }, mode: 'batch', deadline: new Date('2030-01-01T06:00:00.000Z') });
    expect(ledger.rows.get('acme/own-id')).toMatchObject({ job: { id: 'nightly', line: 2 }, mode: 'realtime' });
    // Even the line asking for realtime: a job is bulk work, and never takes the urgent path.
    const accepted = publisher.messages.filter((message) => message.topic === Topics.Accepted);
    expect(accepted.map((message) => message.key)).toEqual(['nightly-1', 'own-id']);
    expect(publisher.messages.filter((message) => message.topic === Topics.AcceptedUrgent)).toEqual([]);
    expect(accepted[0]).toMatchObject({ trace: { correlationId: 'corr-job' }, value: { source: 'http', deadline: '2030-01-01T06:00:00.000Z' } });
    expect(jobs.jobs.get('acme/nightly')).toMatchObject({ status: 'received', lines: 2, invalidLines: 0, defaults: { deadline: '2030-01-01T06:00:00.000Z' } });
  });

  it('reports invalid lines with their line number, code, message and field, and goes on', async () => {
    const { ledger, publisher, jobs, counters, receive } = setUp();
    const text = [
      requestLine(),
      '{"provider": "openai",',
      '',
      requestLine({ body: { messages: [] }, mode: 'whenever' }),
      requestLine({ tenant: 'someone-else' }),
      requestLine(),
    ].join('\n');
    const reply = await receive(text, { id: 'mixed' });

    expect(reply.status).toBe(202);
    const body = reply.body as JobReceipt;
    expect(body).toMatchObject({ lines: 5, accepted: 2, invalid: 3 });
    expect(body.errors.map((error) => [error.line, error.id, error.code, error.field])).toEqual([
      [2, 'mixed-2', 'INVALID_JSON', ''],
      [4, 'mixed-4', 'MISSING_FIELD', 'body.model'],
      [4, 'mixed-4', 'INVALID_FIELD', 'mode'],
      [5, 'mixed-5', 'FORBIDDEN', 'tenant'],
    ]);
    expect(body.errors.every((error) => error.message.length > 0)).toBe(true);
    expect([...ledger.rows.keys()].sort()).toEqual(['acme/mixed-1', 'acme/mixed-6']);
    expect(jobs.errors.get('acme/mixed')).toHaveLength(4);
    const rejected = publisher.messages.filter((message) => message.topic === Topics.Events && (message.value as { type: string }).type === 'rejected');
    expect(rejected.map((message) => message.key)).toEqual(['mixed-2', 'mixed-4', 'mixed-5']);
    expect(counters.rejectedByCode.get('FORBIDDEN')).toBe(1);
  });

  it("refuses a line whose replyTo is outside the tenant's prefixes, naming replyTo, and takes the others", async () => {
    const acme = { id: 'acme', disabled: false, intakeTopics: null, replyToPrefixes: ['acme.'] };
    const { ledger, receive } = setUp({}, { errors: (input) => admissionErrors(acme, 'open', input) }, new KnownTopics(['globex.answers', 'acme.answers']));
    const reply = await receive([requestLine({ replyTo: 'globex.answers' }), requestLine({ replyTo: 'acme.answers' })].join('\n'), { id: 'replies' });

    const body = reply.body as JobReceipt;
    expect(body).toMatchObject({ lines: 2, accepted: 1, invalid: 1 });
    expect(body.errors.map((error) => [error.line, error.id, error.code, error.field])).toEqual([[1, 'replies-1', 'REPLY_TO_NOT_ALLOWED', 'replyTo']]);
    expect([...ledger.rows.keys()]).toEqual(['acme/replies-2']);
  });

  it('refuses a line whose replyTo topic does not exist, naming replyTo, with one look-up per chunk', async () => {
    const { ledger, receive, replyTopics } = setUp({ chunkLines: 2, chunksInFlight: 1 }, OPEN_ADMISSION, new KnownTopics(['acme.answers']));
    const lines = [
      requestLine({ replyTo: 'acme.answers' }),
      requestLine({ replyTo: 'acme.nowhere' }),
      requestLine({ replyTo: 'acme.nowhere', body: { messages: [] } }),
      requestLine(),
    ];
    const reply = await receive(lines.join('\n'), { id: 'missing' });

    const body = reply.body as JobReceipt;
    expect(body).toMatchObject({ lines: 4, accepted: 2, invalid: 2 });
    expect(body.errors.map((error) => [error.line, error.code, error.field])).toEqual([
      [2, 'REPLY_TO_NOT_FOUND', 'replyTo'],
      [3, 'MISSING_FIELD', 'body.model'],
    ]);
    expect([...ledger.rows.keys()].sort()).toEqual(['acme/missing-1', 'acme/missing-4']);
    // The invalid line is refused for what is wrong with it; its replyTo is not looked up.
    expect(replyTopics.lookups).toEqual([['acme.answers', 'acme.nowhere']]);
  });

  it('records and publishes in chunks, keeping the job counts current between them', async () => {
    const { ledger, publisher, jobs, receive } = setUp({ chunkLines: 2, chunksInFlight: 1 });
    const lines = Array.from({ length: 5 }, (_, index) => requestLine({ metadata: { n: String(index) } }));
    await receive(lines.join('\n'), { id: 'chunked' });

    expect(ledger.insertCalls).toEqual([2, 2, 1]);
    expect(publisher.calls).toHaveLength(3);
    expect(jobs.intakes.map((intake) => `${intake.status}:${intake.lines}`)).toEqual(['receiving:2', 'receiving:4', 'receiving:5', 'received:5']);
  });

  it('reads and records the next chunk while an earlier one is still being published', async () => {
    const { ledger, publisher, handler } = setUp({ chunkLines: 1, chunksInFlight: 2 });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const publish = publisher.publish.bind(publisher);
    let first = true;
    publisher.publish = async (messages) => {
      if (first) {
        first = false;
        await gate;
      }
      return publish(messages);
    };
    const receiving = handler.receive('acme', { id: 'overlap' }, NDJSON, linesOf([requestLine(), requestLine(), requestLine()].join('\n')), {});
    // The first chunk is still being published; the others went past it.
    await waitUntil(() => ledger.insertCalls.length === 3 && publisher.calls.length === 2);
    release();
    expect(await receiving).toMatchObject({ status: 202, body: { lines: 3, accepted: 3 } });
    expect(publisher.calls).toHaveLength(3);
  });

  it('records no chunk before the valve lets it through, and tells the valve when each is done', async () => {
    const { ledger, handler, valve } = setUp({ chunkLines: 1, chunksInFlight: 2 });
    valve.open = false;
    const receiving = handler.receive('acme', { id: 'valved' }, NDJSON, linesOf([requestLine(), requestLine()].join('\n')), {});
    await waitUntil(() => valve.waiting.length === 1);
    expect(ledger.insertCalls).toEqual([]);
    valve.letOneThrough();
    await waitUntil(() => ledger.insertCalls.length === 1 && valve.waiting.length === 1);
    valve.letOneThrough();
    expect(await receiving).toMatchObject({ status: 202, body: { lines: 2, accepted: 2 } });
    expect(valve.ended).toBe(2);
  });

  it('cuts a chunk at its byte budget too', async () => {
    const { ledger, receive } = setUp({ chunkBytes: 1 });
    await receive([requestLine(), requestLine(), requestLine()].join('\n'), { id: 'by-bytes' });
    expect(ledger.insertCalls).toEqual([1, 1, 1]);
  });

  it('creates nothing twice when the same job is posted again, and says so', async () => {
    const { ledger, publisher, receive } = setUp();
    const text = `${requestLine()}\n${requestLine({ id: 'kept' })}\n`;
    await receive(text, { id: 'again', deadline: '6h' });
    const sentBefore = publisher.messages.length;
    ledger.setStatus('acme', 'again-1', 'routed');
    ledger.setStatus('acme', 'kept', 'routed');

    const reply = await receive(text, { id: 'again', deadline: '6h' });

    expect(reply).toMatchObject({ status: 200, body: { created: false, lines: 2, accepted: 2, duplicates: 2, invalid: 0 } });
    expect(ledger.rows.size).toBe(2);
    expect(publisher.messages).toHaveLength(sentBefore);
  });

  it('refuses the job id with other options, an unknown option and a body that is not JSONL, before reading a line', async () => {
    const { ledger, receive } = setUp();
    await receive(requestLine(), { id: 'taken', deadline: '6h' });

    expect(await receive(requestLine(), { id: 'taken', deadline: '1h' })).toMatchObject({
      status: 409,
      body: { error: { code: 'DUPLICATE_ID_CONFLICT', field: 'id' } },
    });
    expect(await receive(requestLine(), { deadlin: '6h' })).toMatchObject({ status: 400, body: { error: { code: 'UNKNOWN_FIELD', field: 'deadlin' } } });
    expect(await receive(requestLine(), {}, 'application/json')).toMatchObject({ status: 415, body: { error: { code: 'INVALID_JSON' } } });
    expect(ledger.rows.size).toBe(1);
  });

  it('reports a line whose id belongs to another request instead of taking it into the job', async () => {
    const { ledger, receive } = setUp();
    await receive(requestLine({ id: 'shared' }), { id: 'first' });
    const reply = await receive(`${requestLine({ id: 'shared' })}\n${requestLine({ id: 'twice' })}\n${requestLine({ id: 'twice' })}`, { id: 'second' });

    expect(reply).toMatchObject({ status: 202, body: { lines: 3, accepted: 1, invalid: 2 } });
    expect((reply.body as JobReceipt).errors).toEqual([
      { line: 1, id: 'shared', code: 'DUPLICATE_ID_CONFLICT', field: 'id', message: 'request id shared is already used by line 1 of job first' },
      { line: 3, id: 'twice', code: 'DUPLICATE_ID_CONFLICT', field: 'id', message: 'request id twice is already used by line 2 of this job' },
    ]);
    expect(ledger.rows.get('acme/shared')).toMatchObject({ job: { id: 'first', line: 1 } });
  });

  it('names a job without an id and stops at the line limit with 413, keeping what it took', async () => {
    const { ledger, jobs, receive } = setUp({ maxLines: 2 });
    const reply = await receive([requestLine(), requestLine(), '', requestLine()].join('\n'));

    expect(reply).toMatchObject({ status: 413, body: { error: { code: 'PAYLOAD_TOO_LARGE', message: expect.stringContaining('job_generated_1') } } });
    expect(ledger.rows.size).toBe(2);
    expect(jobs.jobs.get('acme/job_generated_1')).toMatchObject({ status: 'interrupted', lines: 2 });
  });

  it('marks the job interrupted when the upload breaks off, and lets the failure through', async () => {
    const { jobs, ledger, handler } = setUp();
    async function* broken(): AsyncGenerator<JsonlLine> {
      yield { number: 1, bytes: 2, kind: 'text', text: requestLine() };
      throw new Error('aborted');
    }
    await expect(handler.receive('acme', { id: 'broken' }, NDJSON, broken(), {})).rejects.toThrow('aborted');
    expect(jobs.jobs.get('acme/broken')).toMatchObject({ status: 'interrupted', lines: 1 });
    expect(ledger.rows.size).toBe(0);
  });
});
