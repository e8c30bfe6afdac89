import type { HoldOutcome } from '@sluice/kafka';
import type { Hold } from './window.flusher';

/**
 * One hold for every lane message of a fetched batch that waits in a window: it is settled once per
 * message added (the window's flush, or the deadline guard taking the request out), and resolves when
 * the last of them is — `durable` unless any was handed back. The consumer runner tracks messages
 * sharing a hold as one, so a hundred thousand waiting requests cost their window entries and their
 * offsets, not a promise and its callbacks each.
 */
export class SharedHold implements Hold {
  readonly done: Promise<HoldOutcome>;
  private resolve!: (outcome: HoldOutcome) => void;
  private pending = 0;
  private handedBack = false;

  constructor() {
    this.done = new Promise<HoldOutcome>((resolve) => (this.resolve = resolve));
  }

  /** One more message waits on this hold. */
  add(): void {
    this.pending += 1;
  }

  settle(outcome: HoldOutcome): void {
    if (this.pending === 0) return;
    if (outcome === 'handed-back') this.handedBack = true;
    this.pending -= 1;
    if (this.pending === 0) this.resolve(this.handedBack ? 'handed-back' : 'durable');
  }
}
