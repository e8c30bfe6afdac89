import { InferenceResultV1, resultIdFor, validateMessage } from '@sluice/contracts';
import { sampleRequest, sampleResult } from '@sluice/contracts/testing/message.samples';
import type { TestDatabase } from '@sluice/ledger/testing/test-database';
import { waitFor } from '@sluice/testing';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, RunningIngestion, startIngestion, tenantWithKey } from '../../apps/ingestion/test/ingestion.harness';
import { sluice } from './testing/sluice.process';

function line(overrides: Record<string, unknown> = {}): string {
  const { tenant: _t, id: _i, deadline: _d, notBefore: _n, mode: _m, replyTo: _r, webhook: _w, ...rest } = sampleRequest();
  return JSON.stringify({ ...rest, ...overrides });
}

describe('npx sluice submit (against a running ingestion, real broker and database)', () => {
  let database: TestDatabase;
  let ingestion: RunningIngestion;
  let dir: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    ingestion = await startIngestion({ database });
    dir = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  });

  afterAll(async () => {
    await ingestion?.close();
    await database?.drop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function jobRequests(tenant: string): Promise<Array<{ id: string; job_id: string; job_line: number }>> {
    const { rows } = await database.pool.query<{ id: string; job_id: string; job_line: number }>(
      'select id, job_id, job_line from requests where tenant = $1 and job_id is not null order by job_line',
      [tenant],
    );
    return rows;
  }

  async function book(tenant: string, id: string): Promise<InferenceResultV1> {
    const outcome = validateMessage(InferenceResultV1, sampleResult({ tenant, id, lane: 'batch', resultId: resultIdFor(tenant, id, 'batch') }));
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
    await ingestion.ledger.completions.book(outcome.value);
    return outcome.value;
  }

  it('uploads the file, follows the job until every request is answered, and writes the results in line order', async () => {
    const { tenant, key } = await tenantWithKey(ingestion.ledger, 'cli');
    const input = join(dir, 'requests.jsonl');
    const out = join(dir, 'answers.jsonl');
    await writeFile(input, [line(), line({ id: 'mine' }), '{"not": "a request"', line({ mode: 'realtime' })].join('\n'));
    const args = ['submit', input, '--deadline', '6h', '--url', ingestion.baseUrl, '--out', out, '--poll', '200ms'];

    const run = sluice(args, { SLUICE_API_KEY: key });
    await waitFor(async () => (await jobRequests(tenant)).length === 3, {
      timeoutMs: 60_000,
      description: 'the three valid lines recorded as requests of the job',
    });
    const requests = await jobRequests(tenant);
    const jobId = requests[0].job_id;
    await waitFor(async () => (await ingestion.ledger.jobs.get(tenant, jobId))?.status === 'received', {
      timeoutMs: 30_000,
      description: 'the upload read to its end',
    });
    expect(jobId).toMatch(/^job_[0-9a-f]{40}$/);
    expect(requests.map((request) => [request.id, request.job_line])).toEqual([
      [`${jobId}-1`, 1],
      ['mine', 2],
      [`${jobId}-4`, 4],
    ]);
    expect(await ingestion.ledger.jobs.get(tenant, jobId)).toMatchObject({ options: { deadline: '6h' }, lines: 4, invalidLines: 1 });
    expect(run.exited()).toBe(false);

    // The lanes are not part of this test: the results are booked as the notifier would book them.
    const booked = [];
    for (const request of [...requests].reverse()) booked.unshift(await book(tenant, request.id));
    const finished = await run.done;

    // 3: finished, with a refused line.
    expect(finished.code).toBe(3);
    expect(finished.stderr).toContain(`job ${jobId}: 4 lines read, 3 accepted, 1 refused`);
    expect(finished.stderr).toContain('line 3: INVALID_JSON');
    expect(finished.stderr).toContain(`job ${jobId} completed: 3 succeeded, 0 failed, 1 line refused; 3 results written to ${out}`);
    expect(finished.stderr).not.toContain(key);
    const written = (await readFile(out, 'utf8'))
      .trimEnd()
      .split('\n')
      .map((row) => JSON.parse(row) as InferenceResultV1);
    expect(written).toEqual(booked.map((result) => JSON.parse(JSON.stringify(result))));

    // The same command again follows the same job: nothing is uploaded or recorded twice.
    const again = await sluice(args, { SLUICE_API_KEY: key }).done;
    expect(again.code).toBe(3);
    expect(again.stderr).toContain('uploaded before');
    expect(await jobRequests(tenant)).toHaveLength(3);
    expect((await readFile(out, 'utf8')).trimEnd().split('\n')).toHaveLength(3);
  });

  it('exits non-zero with a clear message for a refused key, an unreachable service, a missing file and a usage error', async () => {
    const input = join(dir, 'one.jsonl');
    await writeFile(input, `${line()}\n`);

    const refused = await sluice(['submit', input, '--url', ingestion.baseUrl, '--key', 'slc_000000000000_notarealkeynotarealkey']).done;
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/sluice: GET \/v1\/jobs\/job_[0-9a-f]+ answered 401 UNAUTHENTICATED: .* \(check --key or SLUICE_API_KEY\)/);
    expect(refused.stderr).not.toContain('notarealkey');

    const unreachable = await sluice(['submit', input, '--url', 'http://127.0.0.1:1', '--key', 'slc_x']).done;
    expect(unreachable).toMatchObject({ code: 1, stderr: expect.stringContaining('cannot reach Sluice at http://127.0.0.1:1') });

    const missing = await sluice(['submit', join(dir, 'nope.jsonl'), '--url', ingestion.baseUrl, '--key', 'slc_x']).done;
    expect(missing).toMatchObject({ code: 1, stderr: expect.stringContaining('nope.jsonl (ENOENT)') });

    const usage = await sluice(['submit', input, '--deadline', 'tomorrow', '--key', 'slc_x']).done;
    expect(usage).toMatchObject({ code: 2, stderr: expect.stringContaining('--deadline "tomorrow" is neither a duration') });

    const help = await sluice(['--help']).done;
    expect(help).toMatchObject({ code: 0, stdout: expect.stringContaining('usage: npx sluice submit <requests.jsonl>') });
  });
});
