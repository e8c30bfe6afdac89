import { Lane, LANES } from '@sluice/contracts';
import type { JobDefaults, JobProgressCounts, JobRecord } from '@sluice/ledger';
import { JobLinks, jobLinks } from './job.links';

/**
 * `receiving`: the upload is being read (or the process reading it died: post it again);
 * `interrupted`: the upload broke off or hit the line limit; `running`: every line was read and some
 * requests are not complete yet; `completed`: every recorded request has its result.
 */
export type JobState = 'receiving' | 'interrupted' | 'running' | 'completed';

export interface RequestCounts {
  total: number;
  succeeded: number;
  failed: number;
  pending: number;
}

export interface JobProgress extends RequestCounts {
  /** Requests the router has not decided on yet (part of `pending`). */
  unrouted: number;
  /** By the lane each request was routed to (the one that answered, once complete); lanes without requests are left out. */
  lanes: Partial<Record<Lane, RequestCounts>>;
  /** Completed requests as a fraction of all, 0 to 1 (1 for a job without requests). */
  fraction: number;
}

/** What GET /v1/jobs/:id answers. */
export interface JobView {
  id: string;
  status: JobState;
  createdAt: string;
  receivedAt: string | null;
  options: Record<string, string>;
  defaults: JobDefaults;
  /** Non-blank lines read. */
  lines: number;
  /** Lines refused (see links.errors). */
  invalid: number;
  progress: JobProgress;
  links: JobLinks;
}

function counts(total: number, succeeded: number, failed: number): RequestCounts {
  return { total, succeeded, failed, pending: total - succeeded - failed };
}

export function jobProgress(counted: JobProgressCounts): JobProgress {
  const lanes: Partial<Record<Lane, RequestCounts>> = {};
  for (const lane of LANES) {
    const laneCounts = counted.byLane.get(lane);
    if (laneCounts !== undefined) lanes[lane] = counts(laneCounts.total, laneCounts.succeeded, laneCounts.failed);
  }
  const overall = counts(counted.total, counted.succeeded, counted.failed);
  const done = overall.succeeded + overall.failed;
  return { ...overall, unrouted: counted.byLane.get(null)?.total ?? 0, lanes, fraction: overall.total === 0 ? 1 : done / overall.total };
}

export function jobState(record: Pick<JobRecord, 'status'>, progress: Pick<RequestCounts, 'pending'>): JobState {
  if (record.status !== 'received') return record.status;
  return progress.pending > 0 ? 'running' : 'completed';
}

export function jobView(record: JobRecord, counted: JobProgressCounts): JobView {
  const progress = jobProgress(counted);
  return {
    id: record.id,
    status: jobState(record, progress),
    createdAt: record.createdAt.toISOString(),
    receivedAt: record.receivedAt?.toISOString() ?? null,
    options: record.options,
    defaults: record.defaults,
    lines: record.lines,
    invalid: record.invalidLines,
    progress,
    links: jobLinks(record.id),
  };
}
