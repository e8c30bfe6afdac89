/** A dependency some of a consumer's work is waiting for. */
export interface DependencyOutage {
  /** As the error named it: `the ledger database`, `the Kafka broker`. */
  dependency: string;
  /** The latest failure's message. */
  reason: string;
  /** When the longest of the waits began (ISO 8601). */
  since: string;
  /** Groups of messages (each on one partition) waiting for it now. */
  waiting: number;
}

interface Wait {
  dependency: string;
  reason: string;
  since: Date;
  /** When `reason` was last reported. */
  at: Date;
}

/**
 * Which of a consumer's retry loops are waiting out an outage, for health to report. A loop puts up
 * its wait when an attempt fails for an outage and takes it down as soon as it stops waiting (the
 * work went through, failed for another reason, or the consumer stopped), so the board empties by
 * itself when the dependency is back.
 */
export class OutageBoard {
  private readonly waits = new Map<object, Wait>();

  constructor(private readonly clock: () => Date = () => new Date()) {}

  /** `owner` (one retry run) is waiting for `dependency`; a wait already up keeps when it began. */
  waiting(owner: object, dependency: string, reason: string): void {
    const now = this.clock();
    const current = this.waits.get(owner);
    const since = current !== undefined && current.dependency === dependency ? current.since : now;
    this.waits.set(owner, { dependency, reason, since, at: now });
  }

  cleared(owner: object): void {
    this.waits.delete(owner);
  }

  /** One entry per dependency waited for, the oldest first. */
  report(): DependencyOutage[] {
    const byDependency = new Map<string, { reason: string; since: Date; latest: Date; waiting: number }>();
    for (const wait of this.waits.values()) {
      const entry = byDependency.get(wait.dependency);
      if (entry === undefined) {
        byDependency.set(wait.dependency, { reason: wait.reason, since: wait.since, latest: wait.at, waiting: 1 });
        continue;
      }
      entry.waiting += 1;
      if (wait.since < entry.since) entry.since = wait.since;
      if (wait.at >= entry.latest) {
        entry.latest = wait.at;
        entry.reason = wait.reason;
      }
    }
    return [...byDependency]
      .sort(([, a], [, b]) => a.since.getTime() - b.since.getTime())
      .map(([dependency, { reason, since, waiting }]) => ({ dependency, reason, since: since.toISOString(), waiting }));
  }
}
