import { JOB_ID_PATTERN } from '@sluice/contracts';
import type { JobsRepository, LineErrorCursor } from '@sluice/ledger';
import type { JobLineErrorView } from './job-intake.handler';
import { JobView, jobView } from './job.view';

export type JobReads = Pick<JobsRepository, 'get' | 'progress' | 'results' | 'lineErrors'>;

// Rows per ledger read while streaming: big enough to amortise the round trip, small enough that a
// million-line job is never in memory at once.
const PAGE = 1_000;

/**
 * A tenant's view of its jobs. Every read is by (tenant, id), so another tenant's job is
 * indistinguishable from one that does not exist.
 */
export class JobsQuery {
  constructor(private readonly jobs: JobReads) {}

  async find(tenant: string, id: string): Promise<JobView | undefined> {
    if (!JOB_ID_PATTERN.test(id)) return undefined;
    const record = await this.jobs.get(tenant, id);
    if (record === undefined) return undefined;
    return jobView(record, await this.jobs.progress(tenant, id));
  }

  async exists(tenant: string, id: string): Promise<boolean> {
    return JOB_ID_PATTERN.test(id) && (await this.jobs.get(tenant, id)) !== undefined;
  }

  /** The delivered results of the job's lines after `afterLine`, in line order, as JSONL text page by page. */
  async *results(tenant: string, id: string, afterLine = 0): AsyncGenerator<string> {
    let after = afterLine;
    for (;;) {
      const page = await this.jobs.results(tenant, id, after, PAGE);
      if (page.length === 0) return;
      yield page.map((item) => `${JSON.stringify(item.result)}\n`).join('');
      if (page.length < PAGE) return;
      after = page[page.length - 1].line;
    }
  }

  /** Every problem of the job's refused lines, in line order, as JSONL text page by page. */
  async *errors(tenant: string, id: string): AsyncGenerator<string> {
    let after: LineErrorCursor | undefined;
    for (;;) {
      const page = await this.jobs.lineErrors(tenant, id, after, PAGE);
      if (page.length === 0) return;
      yield page
        .map(({ line, requestId, code, message, field }) => `${JSON.stringify({ line, id: requestId, code, message, field } satisfies JobLineErrorView)}\n`)
        .join('');
      if (page.length < PAGE) return;
      after = page[page.length - 1];
    }
  }
}
