import type { HoldOutcome } from '@sluice/kafka';

/** Where a lane message sits: a redelivery of the same record has the same place. */
export interface RecordPlace {
  topic: string;
  partition: number;
  offset: string;
}

/** The work of one lane message: call the provider and publish the result; it must stop when the signal fires. */
export type LaneCall = (signal: AbortSignal) => Promise<void>;

/** Tells a stop on purpose (shutdown, a partition taken away) from a failure of the work. */
export type IsAbort = (error: unknown, signal: AbortSignal) => boolean;

interface Running {
  place: RecordPlace;
  controller: AbortController;
  outcome: Promise<HoldOutcome>;
}

function placeKey({ topic, partition, offset }: RecordPlace): string {
  return `${topic}\u0000${partition}\u0000${offset}`;
}

/**
 * The lane messages whose provider calls are running, by record place, each with its own abort
 * controller. It answers three questions the consumer runner cannot:
 * - a partition was taken away by a rebalance: its calls are aborted (another member answers them);
 * - the group rejoined and gave a partition back: the runner redelivers its uncommitted messages, and
 *   one whose call still runs is adopted (the new hold waits for the same call) instead of calling the
 *   provider a second time;
 * - shutdown: every call still running at the drain deadline is aborted.
 * An aborted call is `handed-back` (left uncommitted, redelivered); a completed one `durable`; a call
 * that failed otherwise rejects, which dead-letters its message. No I/O.
 */
export class LaneCallsRegistry {
  private readonly running = new Map<string, Running>();
  private maxRunning = 0;

  constructor(private readonly isAbort: IsAbort) {}

  /**
   * Starts `call` for the record, or returns the outcome of the call already running for it. `signal`
   * (the runner's: it gives up on the message) aborts the call as well.
   */
  hold(place: RecordPlace, call: LaneCall, signal?: AbortSignal): Promise<HoldOutcome> {
    const key = placeKey(place);
    const existing = this.running.get(key);
    if (existing) return existing.outcome;
    const controller = new AbortController();
    const onAbort = (): void => controller.abort(signal?.reason);
    if (signal?.aborted) controller.abort(signal.reason);
    else signal?.addEventListener('abort', onAbort, { once: true });
    const outcome = call(controller.signal).then(
      (): HoldOutcome => 'durable',
      (error: unknown): HoldOutcome => {
        if (controller.signal.aborted && this.isAbort(error, controller.signal)) return 'handed-back';
        throw error;
      },
    );
    const entry: Running = { place, controller, outcome };
    this.running.set(key, entry);
    this.maxRunning = Math.max(this.maxRunning, this.running.size);
    const forget = (): void => {
      signal?.removeEventListener('abort', onAbort);
      if (this.running.get(key) === entry) this.running.delete(key);
    };
    outcome.then(forget, forget);
    return outcome;
  }

  /** The group assigned these partitions (topic → partitions): calls of any other partition are aborted. */
  assigned(assignment: Readonly<Record<string, readonly number[]>>): number {
    let aborted = 0;
    for (const entry of this.running.values()) {
      if (assignment[entry.place.topic]?.includes(entry.place.partition)) continue;
      entry.controller.abort(new Error(`partition ${entry.place.topic}[${entry.place.partition}] was assigned elsewhere`));
      aborted += 1;
    }
    return aborted;
  }

  /** Aborts every running call; their outcomes settle `handed-back`. */
  abortAll(reason: unknown): void {
    for (const entry of this.running.values()) entry.controller.abort(reason);
  }

  /** Resolves once every call started so far has settled. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.running.values()].map((entry) => entry.outcome));
  }

  stats(): { running: number; maxRunning: number } {
    return { running: this.running.size, maxRunning: this.maxRunning };
  }
}
