/** One stage of a shutdown, run in order; a stage starts only when the one before it has finished. */
export interface ShutdownStep {
  name: string;
  run: () => unknown;
}

export type ShutdownOutcome =
  { status: 'completed' } | { status: 'failed'; failures: Array<{ step: string; error: unknown }> } | { status: 'timed-out'; step: string };

export interface ShutdownObserver {
  stepStarted?(step: string): void;
  stepFailed?(step: string, error: unknown): void;
}

/**
 * Runs the steps in order within `timeoutMs`. A failing step does not stop the ones after it (a
 * producer that fails to flush must not keep the database pool open); the deadline does: whatever is
 * still running then is abandoned, and the caller exits non-zero.
 */
export async function runShutdown(steps: readonly ShutdownStep[], timeoutMs: number, observer: ShutdownObserver = {}): Promise<ShutdownOutcome> {
  let current = steps[0]?.name ?? '';
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<ShutdownOutcome>((resolve) => {
    timer = setTimeout(() => resolve({ status: 'timed-out', step: current }), timeoutMs);
  });
  const work = (async (): Promise<ShutdownOutcome> => {
    const failures: Array<{ step: string; error: unknown }> = [];
    for (const step of steps) {
      current = step.name;
      observer.stepStarted?.(step.name);
      try {
        await step.run();
      } catch (error) {
        failures.push({ step: step.name, error });
        observer.stepFailed?.(step.name, error);
      }
    }
    return failures.length === 0 ? { status: 'completed' } : { status: 'failed', failures };
  })();
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
