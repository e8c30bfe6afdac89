import { setTimeout as sleep } from 'node:timers/promises';
import type { AdminDriver } from '../port/driver.port';
import { isNarrow, probeDue, restAfter, type ValvePolicy, type Watermarks, watermarksMoved } from './valve.policy';

/** Reads the signal: the high-water marks of the urgent path's topics. */
export type UrgentSignal = () => Promise<Watermarks>;

/** What deferrable work asks before each piece (a fetched batch's slice, a job's chunk); the answer ends the piece. */
export interface WorkValve {
  admit(): Promise<() => void>;
}

export interface BulkValveEvents {
  /** The signal could not be read: the valve keeps its last decision. */
  probeFailed?(error: unknown): void;
  /** The valve narrowed (urgent work flows) or opened again. */
  changed?(narrow: boolean): void;
}

const open = (): void => undefined;

/**
 * Makes a process's deferrable work give way while urgent work flows (see valve.policy.ts). One per
 * process, shared by its bulk consumers and job uploads: while narrow, their pieces run one at a time
 * and each is followed by a rest in proportion to how long it took. The signal is read only when
 * work asks, at most once per probe interval, so an idle process never reads it.
 */
export class BulkValve implements WorkValve {
  private marks: Watermarks | undefined;
  private lastProbeAt: number | undefined;
  private lastUrgentAt: number | undefined;
  private probing = false;
  private wasNarrow = false;
  /** No narrow piece starts before this instant. */
  private openAt = 0;
  /** The narrow piece in progress (and the ones queued behind it). */
  private turn: Promise<void> = Promise.resolve();

  constructor(
    private readonly signal: UrgentSignal,
    private readonly policy: ValvePolicy,
    private readonly events: BulkValveEvents = {},
    private readonly clock: () => number = Date.now,
    private readonly rest: (ms: number) => Promise<unknown> = sleep,
  ) {}

  get narrow(): boolean {
    return isNarrow(this.policy, this.lastUrgentAt, this.clock());
  }

  async admit(): Promise<() => void> {
    this.probe();
    if (!this.observe()) return open;
    const previous = this.turn;
    let done!: () => void;
    this.turn = new Promise((resolve) => (done = resolve));
    await previous;
    const wait = this.openAt - this.clock();
    if (wait > 0) await this.rest(wait);
    const started = this.clock();
    return () => {
      const ended = this.clock();
      this.openAt = ended + restAfter(this.policy, ended - started);
      done();
    };
  }

  /** The decision now, reported when it changed. */
  private observe(): boolean {
    const narrow = this.narrow;
    if (narrow !== this.wasNarrow) {
      this.wasNarrow = narrow;
      this.events.changed?.(narrow);
    }
    return narrow;
  }

  private probe(): void {
    const now = this.clock();
    if (this.probing || !probeDue(this.policy, this.lastProbeAt, now)) return;
    // Marks older than the hold say nothing about the last holdMs: start over from the next read.
    const before = this.lastProbeAt !== undefined && now - this.lastProbeAt <= this.policy.holdMs ? this.marks : undefined;
    this.probing = true;
    this.lastProbeAt = now;
    this.signal()
      .then((marks) => {
        if (watermarksMoved(before, marks)) this.lastUrgentAt = this.clock();
        this.marks = marks;
        this.observe();
      })
      .catch((error: unknown) => this.events.probeFailed?.(error))
      .finally(() => (this.probing = false));
  }
}

/** The signal read from the broker: one ListOffsets request per topic per probe, on an admin connection of its own. */
export class TopicWatermarks {
  private connected: Promise<void> | undefined;

  constructor(
    private readonly admin: AdminDriver,
    private readonly topics: readonly string[],
  ) {}

  readonly read: UrgentSignal = async () => {
    this.connected ??= this.admin.connect().catch((error: unknown) => {
      this.connected = undefined;
      throw error;
    });
    await this.connected;
    const marks = new Map<string, bigint>();
    for (const topic of this.topics) {
      for (const { partition, high } of await this.admin.topicOffsets(topic)) marks.set(`${topic}:${partition}`, BigInt(high));
    }
    return marks;
  };

  async close(): Promise<void> {
    if (this.connected === undefined) return;
    this.connected = undefined;
    await this.admin.disconnect();
  }
}
