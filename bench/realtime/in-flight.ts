import { waitFor } from '@sluice/testing';

export const now = (): number => performance.timeOrigin + performance.now();

/** Requests in flight by id: when each was sent, and whether its latency counts (warm-up does not). */
export class InFlight {
  private readonly pending = new Map<string, { sentAt: number; measured: boolean }>();
  /** Latencies of the measured requests, in arrival order, with when each was sent. */
  readonly latencies: number[] = [];
  readonly sentAts: number[] = [];
  /** Measured requests whose answer was not a success (a failed result). */
  failed = 0;

  sent(id: string, measured: boolean): number {
    const sentAt = now();
    this.pending.set(id, { sentAt, measured });
    return sentAt;
  }

  /** When a measured request still in flight was sent; undefined for others. */
  sentAt(id: string): number | undefined {
    const entry = this.pending.get(id);
    return entry?.measured ? entry.sentAt : undefined;
  }

  /** Records an arrival; returns the latency when it was one of ours. */
  arrived(id: string, at: number, ok = true): number | undefined {
    const entry = this.pending.get(id);
    if (entry === undefined) return undefined;
    this.pending.delete(id);
    const latency = at - entry.sentAt;
    if (entry.measured) {
      this.latencies.push(latency);
      this.sentAts.push(entry.sentAt);
      if (!ok) this.failed += 1;
    }
    return latency;
  }

  outstanding(): number {
    let count = 0;
    for (const entry of this.pending.values()) if (entry.measured) count += 1;
    return count;
  }

  /** Waits for the measured requests still out; returns how many never came, and forgets them. */
  async drain(timeoutMs = 180_000): Promise<number> {
    await waitFor(() => this.outstanding() === 0, { timeoutMs, intervalMs: 100, description: 'the last answers' }).catch(() => undefined);
    const lost = this.outstanding();
    this.pending.clear();
    return lost;
  }
}
