export interface Watermarks {
  /** Fetching pauses when this many messages are being handled at once. */
  highWaterMark: number;
  /** ...and resumes once fewer than this many are left. */
  lowWaterMark: number;
}

export interface GateListener {
  onPause(): void;
  onResume(): void;
}

export interface GateStats {
  inFlight: number;
  maxInFlight: number;
  pauses: number;
  resumes: number;
}

interface Waiter {
  units: number;
  resolve(admitted: boolean): void;
}

export function validateWatermarks({ highWaterMark, lowWaterMark }: Watermarks): Watermarks {
  if (!Number.isInteger(highWaterMark) || highWaterMark < 1) {
    throw new Error(`highWaterMark must be a positive integer, got ${highWaterMark}`);
  }
  if (!Number.isInteger(lowWaterMark) || lowWaterMark < 1 || lowWaterMark > highWaterMark) {
    throw new Error(`lowWaterMark must be an integer within 1..highWaterMark, got ${lowWaterMark}`);
  }
  return { highWaterMark, lowWaterMark };
}

/**
 * Counts the messages being handled across all partitions and admits new ones only while the
 * count is under the high-water mark. Once the mark is hit it stays shut (and tells its listener to
 * pause fetching) until the count falls under the low-water mark, so fetching does not flap on and
 * off with every message. A manual pause shuts it as well. No I/O: the runner wires the listener
 * to the consumer's pause/resume.
 */
export class InFlightGate {
  private readonly marks: Watermarks;
  private inFlight = 0;
  private maxInFlight = 0;
  private saturated = false;
  private manuallyPaused = false;
  private reportedPaused = false;
  private closed = false;
  private pauses = 0;
  private resumes = 0;
  private readonly waiters: Waiter[] = [];

  constructor(
    marks: Watermarks,
    private readonly listener: GateListener,
  ) {
    this.marks = validateWatermarks(marks);
  }

  get paused(): boolean {
    return this.saturated || this.manuallyPaused;
  }

  /**
   * Resolves true once `units` messages may start, or false if the gate closed meanwhile. A group
   * larger than the high-water mark is admitted alone, when nothing else is in flight.
   */
  acquire(units = 1): Promise<boolean> {
    if (this.closed) return Promise.resolve(false);
    if (this.waiters.length === 0 && this.canStart(units)) {
      this.take(units);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => this.waiters.push({ units, resolve }));
  }

  release(units = 1): void {
    this.inFlight = Math.max(0, this.inFlight - units);
    if (this.saturated && this.inFlight < this.marks.lowWaterMark) {
      this.saturated = false;
    }
    this.report();
    this.admitWaiters();
  }

  pause(): void {
    this.manuallyPaused = true;
    this.report();
  }

  resume(): void {
    this.manuallyPaused = false;
    this.report();
    this.admitWaiters();
  }

  /** Refuses every waiting and future acquire: used when the consumer stops. */
  close(): void {
    this.closed = true;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
  }

  stats(): GateStats {
    return { inFlight: this.inFlight, maxInFlight: this.maxInFlight, pauses: this.pauses, resumes: this.resumes };
  }

  private canStart(units: number): boolean {
    if (this.paused) return false;
    return this.inFlight === 0 || this.inFlight + units <= this.marks.highWaterMark;
  }

  private take(units: number): void {
    this.inFlight += units;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    if (this.inFlight >= this.marks.highWaterMark) {
      this.saturated = true;
      this.report();
    }
  }

  private admitWaiters(): void {
    while (!this.closed && this.waiters.length > 0 && this.canStart(this.waiters[0]!.units)) {
      const waiter = this.waiters.shift()!;
      this.take(waiter.units);
      waiter.resolve(true);
    }
  }

  private report(): void {
    if (this.paused === this.reportedPaused) return;
    this.reportedPaused = this.paused;
    if (this.paused) {
      this.pauses += 1;
      this.listener.onPause();
    } else {
      this.resumes += 1;
      this.listener.onResume();
    }
  }
}
