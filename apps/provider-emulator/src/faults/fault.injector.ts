import type { BehaviourProfile } from '../profiles/behaviour.profile';
import { unitOf } from '../synth/deterministic.random';

export type FaultKind = '429' | '500' | 'timeout';
export const FAULT_KINDS: readonly FaultKind[] = ['429', '500', 'timeout'];
/** Arms faults for every model. */
export const ANY_MODEL = '*';

/**
 * Decides which realtime requests fail. Armed faults ("the next N requests to this model") come
 * first; then each model's k-th request fails when a number fixed by (seed, model, k) falls under
 * the profile's rates, so a seeded run fails the same requests every time it is replayed in order.
 */
export class FaultInjector {
  private armed = new Map<string, FaultKind[]>();
  private counters = new Map<string, number>();
  private injected = new Map<string, Record<FaultKind, number>>();

  arm(model: string, kind: FaultKind, count: number): number {
    const queue = this.armed.get(model) ?? [];
    for (let i = 0; i < count; i += 1) queue.push(kind);
    this.armed.set(model, queue);
    return queue.length;
  }

  draw(model: string, faults: BehaviourProfile['faults'], seed: number): FaultKind | undefined {
    const fault = this.takeArmed(model) ?? this.takeArmed(ANY_MODEL) ?? this.drawRandom(model, faults, seed);
    if (fault) {
      const counts = this.injected.get(model) ?? { '429': 0, '500': 0, timeout: 0 };
      counts[fault] += 1;
      this.injected.set(model, counts);
    }
    return fault;
  }

  /** Whether a batch line fails: fixed by its custom_id, so a resubmitted line fails again. */
  lineFails(model: string, customId: string, rate: number, seed: number): boolean {
    return rate > 0 && unitOf(seed, 'line', model, customId) < rate;
  }

  stats(): { armed: Record<string, FaultKind[]>; injected: Record<string, Record<FaultKind, number>> } {
    return { armed: Object.fromEntries(this.armed), injected: Object.fromEntries(this.injected) };
  }

  reset(): void {
    this.armed.clear();
    this.counters.clear();
    this.injected.clear();
  }

  /** Restarts the random sequences (after a profile or seed change) but keeps armed faults. */
  restartSequences(): void {
    this.counters.clear();
  }

  private takeArmed(model: string): FaultKind | undefined {
    const queue = this.armed.get(model);
    if (!queue || queue.length === 0) return undefined;
    const fault = queue.shift();
    if (queue.length === 0) this.armed.delete(model);
    return fault;
  }

  private drawRandom(model: string, faults: BehaviourProfile['faults'], seed: number): FaultKind | undefined {
    if (faults.rate429 === 0 && faults.rate500 === 0 && faults.rateTimeout === 0) return undefined;
    const k = this.counters.get(model) ?? 0;
    this.counters.set(model, k + 1);
    const u = unitOf(seed, 'fault', model, k);
    if (u < faults.rate429) return '429';
    if (u < faults.rate429 + faults.rate500) return '500';
    if (u < faults.rate429 + faults.rate500 + faults.rateTimeout) return 'timeout';
    return undefined;
  }
}
