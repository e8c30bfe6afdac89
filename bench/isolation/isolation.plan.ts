/** What the disturbance child process is to do (bench/isolation/disturbance.ts). */
export interface DisturbanceConfig {
  mode: 'job' | 'bulk';
  brokers: string;
  count: number;
  /** Prefix of every id: `<runId>-<index>`, and the job's id. */
  runId: string;
  tenant: string;
  /** Ingestion's base URL and an API key of the tenant, for mode job. */
  url?: string;
  apiKey?: string;
}

/** A line the child prints each second. */
export interface DisturbanceReport {
  /** Requests produced and acknowledged (bulk), or lines written to the upload (job). */
  sent: number;
  /** Distinct ids read on sluice.lane.batch.v1. */
  onLane: number;
  done: boolean;
  /** The job upload's HTTP answer, once it came. */
  answer?: string;
}

export type PhaseName = 'alone' | 'job' | 'bulk';
export const PHASE_NAMES: readonly PhaseName[] = ['alone', 'job', 'bulk'];

/** How a disturbed phase ended: its intake complete, or the window ran out (with or without any intake). */
export function intakeOutcome(
  report: DisturbanceReport | undefined,
  count: number,
  windowS: number,
  via: { name: string; topic?: string },
): { complete: boolean; note: string } {
  if (report?.done) return { complete: true, note: `all ${count} on sluice.lane.batch.v1` };
  const sent = report?.sent ?? 0;
  const onLane = report?.onLane ?? 0;
  if (onLane === 0) {
    return {
      complete: false,
      note: `no intake: ${sent} of ${count} sent to ${via.name}, none reached sluice.lane.batch.v1 within the ${windowS} s window${via.topic === undefined ? '' : ` (does anything consume ${via.topic}?)`}`,
    };
  }
  return { complete: false, note: `window of ${windowS} s ran out: ${sent} of ${count} sent, ${onLane} on sluice.lane.batch.v1` };
}

/** A phase's p99 against the alone phase's, two decimals; null when either is missing. */
export function p99Ratio(phase: number | null, alone: number | null): number | null {
  return phase === null || alone === null || alone === 0 ? null : Math.round((phase / alone) * 100) / 100;
}
