import type { ChaosOptions } from './chaos.options';

/** The processes `npm run up` runs (bulk work apart), each killed in turn by the kill fault; the emulator is the provider, not Sluice. */
export const KILLED_PROCESSES = ['ingestion', 'ingestion-bulk', 'router', 'router-bulk', 'realtime-worker', 'batch-aggregator', 'result-notifier'] as const;

export type FaultStep =
  | { kind: 'db'; label: string; outageMs: number }
  | { kind: 'broker'; label: string; downMs: number }
  | { kind: 'kill'; label: string; process: string }
  | { kind: 'provider'; label: string; faultMs: number }
  | { kind: 'corpus'; label: string };

/** One step of the run: load for `leadMs`, the fault, load for `tailMs` after it ended. */
export interface PlannedStep {
  fault: FaultStep;
  leadMs: number;
  tailMs: number;
}

/** The faults of the run in order, one step per outage length and per killed process. */
export function chaosSchedule(
  options: Pick<ChaosOptions, 'faults' | 'dbOutagesS' | 'killed' | 'brokerDownS' | 'providerFaultS' | 'leadS' | 'tailS'>,
): PlannedStep[] {
  const leadMs = options.leadS * 1000;
  const tailMs = options.tailS * 1000;
  const faults: FaultStep[] = options.faults.flatMap((name): FaultStep[] => {
    switch (name) {
      case 'db':
        return options.dbOutagesS.map((seconds) => ({ kind: 'db', label: `db-${seconds}s`, outageMs: seconds * 1000 }));
      case 'broker':
        return [{ kind: 'broker', label: `broker-${options.brokerDownS}s`, downMs: options.brokerDownS * 1000 }];
      case 'kill':
        return options.killed.map((process) => ({ kind: 'kill', label: `kill-${process}`, process }));
      case 'provider':
        return [{ kind: 'provider', label: `provider-${options.providerFaultS}s`, faultMs: options.providerFaultS * 1000 }];
      case 'corpus':
        return [{ kind: 'corpus', label: 'corpus' }];
    }
  });
  return faults.map((fault) => ({ fault, leadMs, tailMs }));
}

export type RequestKind = 'realtime' | 'async' | 'batch';

export interface PlannedRequest {
  kind: RequestKind;
  /** Request number whose body this one repeats exactly (same prompt or input, same model), or undefined for a body of its own. */
  sameBodyAs?: number;
}

/** Of every 20 requests, 12 realtime, 5 async and 3 batch, spread through the 20. */
const PATTERN: readonly RequestKind[] = [
  'realtime',
  'async',
  'realtime',
  'batch',
  'realtime',
  'async',
  'realtime',
  'realtime',
  'async',
  'realtime',
  'batch',
  'realtime',
  'async',
  'realtime',
  'realtime',
  'async',
  'realtime',
  'batch',
  'realtime',
  'realtime',
];

/**
 * The mixed load, by request number, in the proportions of PATTERN; the last of every 20 repeats
 * the body of the one before it (5 % identical bodies, which the router coalesces or answers from
 * the cache).
 */
export function plannedRequest(index: number): PlannedRequest {
  const slot = index % PATTERN.length;
  const kind = PATTERN[slot] ?? 'realtime';
  return slot === PATTERN.length - 1 ? { kind, sameBodyAs: index - 1 } : { kind };
}
