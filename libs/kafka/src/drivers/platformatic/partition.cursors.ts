/** Where one assigned partition is read from, in one group generation. */
export interface Cursor {
  readonly topic: string;
  readonly partition: number;
  readonly key: string;
  /** The offset the next fetch starts at; undefined until known (committed offset, or the topic's start or end). */
  position: bigint | undefined;
  /** The committed offset was out of the log's range: start from the topic's start or end instead. */
  reset: boolean;
  /** Bumped by every seek: a fetch or batch begun before it no longer moves the position. */
  epoch: number;
  /** `fetching`: in a fetch request; `busy`: its batch waits for or holds a worker. */
  state: 'idle' | 'fetching' | 'busy';
}

const keyOf = (topic: string, partition: number): string => `${topic}\u0000${partition}`;

/**
 * The partitions this member reads and where, the part of the consumer that decides what to fetch:
 * a partition is fetched again only once its batch returned (one batch per partition at a time, so
 * a batch that did not resolve every message is read again from the first it left), never while a
 * batch of an earlier generation still runs on it, and never while its topic is paused.
 */
export class PartitionCursors {
  private cursors = new Map<string, Cursor>();
  /** Batches running per partition, whatever their generation. */
  private readonly running = new Map<string, number>();
  generation = 0;

  /** A new generation: every partition starts again from its committed offset once its batch returned. */
  assign(assignment: ReadonlyArray<{ topic: string; partitions: readonly number[] }>): void {
    this.generation += 1;
    this.cursors = new Map();
    for (const { topic, partitions } of assignment) {
      for (const partition of partitions) {
        const key = keyOf(topic, partition);
        this.cursors.set(key, { topic, partition, key, position: undefined, reset: false, epoch: 0, state: 'idle' });
      }
    }
  }

  get(topic: string, partition: number): Cursor | undefined {
    return this.cursors.get(keyOf(topic, partition));
  }

  /** Whether `cursor` is still this member's, unmoved since `epoch` was read. */
  isCurrent(cursor: Cursor, epoch: number): boolean {
    return this.cursors.get(cursor.key) === cursor && cursor.epoch === epoch;
  }

  /** False when the partition is not assigned to this member. */
  seek(topic: string, partition: number, offset: bigint): boolean {
    const cursor = this.get(topic, partition);
    if (cursor === undefined) return false;
    cursor.position = offset;
    cursor.reset = false;
    cursor.epoch += 1;
    return true;
  }

  /** Partitions whose position must be looked up before they can be fetched. */
  unpositioned(): Cursor[] {
    return [...this.cursors.values()].filter((cursor) => cursor.position === undefined && cursor.state === 'idle' && !this.running.has(cursor.key));
  }

  fetchable(paused: ReadonlySet<string>): Cursor[] {
    return [...this.cursors.values()].filter(
      (cursor) => cursor.position !== undefined && cursor.state === 'idle' && !paused.has(cursor.topic) && !this.running.has(cursor.key),
    );
  }

  batchStarted(cursor: Cursor): void {
    this.running.set(cursor.key, (this.running.get(cursor.key) ?? 0) + 1);
  }

  /**
   * The batch that began at `first` returned with `resolved` the last offset it resolved: unless
   * the partition was revoked or sought meanwhile, the next fetch starts after it, so the messages
   * it left are delivered again.
   */
  batchEnded(cursor: Cursor, epoch: number, first: bigint, resolved: bigint | undefined): void {
    const left = (this.running.get(cursor.key) ?? 1) - 1;
    if (left === 0) this.running.delete(cursor.key);
    else this.running.set(cursor.key, left);
    if (!this.isCurrent(cursor, epoch)) return;
    cursor.position = resolved === undefined ? first : resolved + 1n;
    cursor.state = 'idle';
  }
}
