import { createHash } from 'node:crypto';
import type { JobOptions, JobReceipt, JobView } from '../api/sluice.client';

/** Exit statuses: every line answered successfully, or the job finished with refused lines or failed requests. */
export const EXIT_OK = 0;
export const EXIT_WITH_FAILURES = 3;

/**
 * The job id of a file submitted with these defaults: the same file and options give the same job,
 * so running the same command again follows that job (and completes its upload) instead of
 * submitting everything a second time. 44 characters: within the job id limit, with room for the
 * line numbers that name lines without an id.
 */
export function derivedJobId(fileDigest: string, options: Omit<JobOptions, 'id'>): string {
  const defaults = ['deadline', 'mode', 'provider', 'operation'].map((name) => `${name}=${options[name as keyof typeof options] ?? ''}`).join('&');
  return `job_${createHash('sha256').update(`${fileDigest}\n${defaults}`).digest('hex').slice(0, 40)}`;
}

/** Whether the file must be (or be again) uploaded: the job is new, or its upload never finished. */
export function needsUpload(view: JobView | undefined): boolean {
  return view === undefined || view.status === 'receiving' || view.status === 'interrupted';
}

export function isFinished(view: JobView): boolean {
  return view.status === 'completed';
}

/** What the progress bar shows: answered requests out of all, and where they went. */
export interface ProgressFigures {
  value: number;
  total: number;
  lanes: string;
  failed: number;
}

export function progressFigures(view: JobView): ProgressFigures {
  const { progress } = view;
  const lanes = Object.entries(progress.lanes)
    .map(([lane, counts]) => `${lane} ${counts.succeeded + counts.failed}/${counts.total}`)
    .concat(progress.unrouted > 0 ? [`unrouted ${progress.unrouted}`] : [])
    .join(' · ');
  return { value: progress.succeeded + progress.failed, total: progress.total, lanes: lanes === '' ? '-' : lanes, failed: progress.failed };
}

export function exitCodeFor(view: JobView): number {
  return view.invalid > 0 || view.progress.failed > 0 ? EXIT_WITH_FAILURES : EXIT_OK;
}

/** What the receipt of an upload says, for a person; refused lines first few, with where to find all. */
export function describeReceipt(receipt: JobReceipt, shown = 10): string[] {
  const lines = [
    `job ${receipt.id}: ${count(receipt.lines, 'line')} read, ${receipt.accepted} accepted` +
      (receipt.duplicates > 0 ? ` (${receipt.duplicates} already there from an earlier upload)` : '') +
      `, ${receipt.invalid} refused`,
  ];
  for (const error of receipt.errors.slice(0, shown)) {
    lines.push(`  line ${error.line}: ${error.code}${error.field === '' ? '' : ` ${error.field}`}: ${error.message}`);
  }
  if (receipt.invalid > 0 && (receipt.errors.length > shown || receipt.invalid > receipt.errors.length)) {
    lines.push(`  … every refused line: GET /v1/jobs/${receipt.id}/errors`);
  }
  return lines;
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

/** The last word on a finished job. */
export function describeOutcome(view: JobView, out: string, written: number): string {
  const { progress } = view;
  return (
    `job ${view.id} ${view.status}: ${progress.succeeded} succeeded, ${progress.failed} failed, ${count(view.invalid, 'line')} refused; ` +
    `${count(written, 'result')} written to ${out}`
  );
}
