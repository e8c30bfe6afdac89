import { CliError, JobOptions, JobReceipt, JobView } from '../api/sluice.client';
import type { SubmitOptions } from '../cli/sluice.args';
import { submitJob, SubmitPorts } from './submit.command';

const OPTIONS: SubmitOptions = { file: 'requests.jsonl', url: 'http://sluice', key: 'slc_x', out: 'out.jsonl', deadline: '6h', pollMs: 1_000 };

function view(status: JobView['status'], succeeded: number, overrides: Partial<JobView> = {}): JobView {
  return {
    id: 'job_fixed',
    status,
    lines: 3,
    invalid: 0,
    progress: { total: 3, succeeded, failed: 0, pending: 3 - succeeded, unrouted: 0, fraction: succeeded / 3, lanes: {} },
    ...overrides,
  };
}

const RECEIPT: JobReceipt = { id: 'job_fixed', status: 'received', created: true, lines: 3, accepted: 3, duplicates: 0, invalid: 0, errors: [] };

function setUp(views: Array<JobView | undefined>) {
  const calls: string[] = [];
  const notes: string[] = [];
  const shown: JobView[] = [];
  const uploads: Array<{ options: JobOptions; bytes: string }> = [];
  const sleeps: number[] = [];
  const written: string[] = [];
  const ports: SubmitPorts = {
    client: {
      getJob: async (id) => {
        calls.push(`get ${id}`);
        return views.shift();
      },
      submitJob: async (options, body) => {
        let bytes = '';
        for await (const chunk of body) bytes += Buffer.from(chunk).toString();
        uploads.push({ options, bytes });
        return RECEIPT;
      },
      results: async () =>
        (async function* () {
          yield Buffer.from('{"id":"a"}\n{"id":"b"}\n');
        })(),
    },
    files: {
      digest: async () => 'digest',
      size: async () => 12,
      read: async function* (_path, onBytes) {
        onBytes(12);
        yield Buffer.from('{"a":1}\n{"b"}');
      },
      writeLines: async (path, lines) => {
        for await (const chunk of lines) written.push(`${path}:${Buffer.from(chunk).toString()}`);
        return 2;
      },
    },
    display: {
      uploadStarted: () => calls.push('upload started'),
      uploaded: (bytes) => calls.push(`uploaded ${bytes}`),
      uploadDone: () => calls.push('upload done'),
      following: (job) => shown.push(job),
      followDone: () => calls.push('follow done'),
      note: (line) => notes.push(line),
    },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  return { ports, calls, notes, shown, uploads, sleeps, written };
}

describe('submitJob', () => {
  it('uploads a new job under the id derived from file and options, follows it to the end and writes the results', async () => {
    const { ports, calls, notes, shown, uploads, sleeps, written } = setUp([undefined, view('running', 0), view('running', 2), view('completed', 3)]);
    const code = await submitJob(OPTIONS, ports);

    expect(code).toBe(0);
    expect(uploads).toEqual([{ options: { id: expect.stringMatching(/^job_[0-9a-f]{40}$/), deadline: '6h' }, bytes: '{"a":1}\n{"b"}' }]);
    expect(calls.slice(0, 4)).toEqual([expect.stringMatching(/^get job_/), 'upload started', 'uploaded 12', 'upload done']);
    expect(shown.map((job) => job.progress.succeeded)).toEqual([0, 2, 3]);
    expect(sleeps).toEqual([1_000, 1_000]);
    expect(written).toEqual(['out.jsonl:{"id":"a"}\n{"id":"b"}\n']);
    expect(notes[0]).toContain('3 lines read, 3 accepted');
    expect(notes.at(-1)).toBe('job job_fixed completed: 3 succeeded, 0 failed, 0 lines refused; 2 results written to out.jsonl');
  });

  it('follows a job uploaded before without uploading it again', async () => {
    const { ports, uploads, notes } = setUp([view('running', 1), view('completed', 3)]);
    expect(await submitJob({ ...OPTIONS, jobId: 'job_fixed' }, ports)).toBe(0);
    expect(uploads).toEqual([]);
    expect(notes[0]).toContain('uploaded before');
  });

  it('uploads again a job whose upload broke off', async () => {
    const { ports, uploads } = setUp([view('interrupted', 0), view('completed', 3)]);
    await submitJob(OPTIONS, ports);
    expect(uploads).toHaveLength(1);
  });

  it('finishes with status 3 when lines were refused or requests failed', async () => {
    const { ports } = setUp([undefined, view('completed', 2, { invalid: 1 })]);
    expect(await submitJob(OPTIONS, ports)).toBe(3);
  });

  it('stops with a clear error when the job breaks off while it is followed', async () => {
    const { ports, calls } = setUp([view('running', 0), view('interrupted', 0)]);
    await expect(submitJob(OPTIONS, ports)).rejects.toThrow(CliError);
    expect(calls.at(-1)).toBe('follow done');
  });
});
