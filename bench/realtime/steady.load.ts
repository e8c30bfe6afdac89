import { setTimeout as sleep } from 'node:timers/promises';

export interface LoadPhase {
  ratePerSecond: number;
  durationMs: number;
  /** Sends message number `index`; resolves once the producer has it (acknowledged). */
  send: (index: number) => Promise<void>;
  /** Ends the phase early: no send is started after it fires (a disturbance that finished its intake). */
  signal?: AbortSignal;
}

export interface LoadOutcome {
  sent: number;
  failed: number;
  /** How far behind schedule the slowest send was started: a generator that cannot keep up says so. */
  maxLagMs: number;
}

/**
 * Starts sends on a fixed schedule (message i at start + i / rate), without waiting for earlier
 * ones to finish, so a slow acknowledgement never lowers the offered rate (open-loop load).
 */
export async function runSteadyLoad(phase: LoadPhase): Promise<LoadOutcome> {
  const total = Math.round((phase.ratePerSecond * phase.durationMs) / 1000);
  const intervalMs = 1000 / phase.ratePerSecond;
  const start = performance.now();
  const inFlight: Array<Promise<void>> = [];
  let failed = 0;
  let maxLagMs = 0;
  let sent = 0;
  for (let index = 0; index < total; index += 1) {
    const due = start + index * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    if (phase.signal?.aborted) break;
    sent += 1;
    maxLagMs = Math.max(maxLagMs, performance.now() - due);
    inFlight.push(
      phase.send(index).catch(() => {
        failed += 1;
      }),
    );
  }
  await Promise.all(inFlight);
  return { sent, failed, maxLagMs: Math.round(maxLagMs) };
}
