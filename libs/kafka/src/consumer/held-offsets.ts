/**
 * Where a partition may be committed to while some of its messages are held: handled, but waiting
 * for work that makes them durable elsewhere (a batch window that has not been submitted yet).
 * Everything before the lowest held offset is done; with nothing held, everything processed is.
 * Offsets are decimal strings (Kafka's int64), compared as bigints. No I/O.
 *
 * A partition may hold hundreds of thousands of offsets (the batch aggregator) and asks for the
 * commit position after every group: the lowest held offset is kept at the head of an ordered list,
 * released ones are dropped from the head lazily, so each question costs amortised O(1).
 */
export class HeldOffsets {
  private processedThrough: bigint | undefined;
  private readonly held = new Set<bigint>();
  /** Held offsets in ascending order from `head`; entries no longer in `held` were released. */
  private order: bigint[] = [];
  private head = 0;
  private committed: bigint | undefined;

  /** Every message up to and including `offset` has been handled (held ones included). */
  processed(offset: string): void {
    const value = BigInt(offset);
    if (this.processedThrough === undefined || value > this.processedThrough) this.processedThrough = value;
  }

  /** `offset` as a decimal string, or as the bigint a caller already keeps. */
  hold(offset: string | bigint): void {
    const value = BigInt(offset);
    if (this.held.has(value)) return;
    this.held.add(value);
    const last = this.order[this.order.length - 1];
    // Offsets are held in fetch order; anything else is placed where it belongs.
    if (last === undefined || value > last || this.order.length === this.head) {
      this.order.push(value);
      return;
    }
    let low = this.head;
    let high = this.order.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.order[middle]! < value) low = middle + 1;
      else high = middle;
    }
    this.order.splice(low, 0, value);
  }

  /** The held message is durable now; it no longer keeps the commit back. */
  release(offset: string | bigint): void {
    this.held.delete(BigInt(offset));
  }

  get heldCount(): number {
    return this.held.size;
  }

  /**
   * The next offset to commit (the first message not yet done), or undefined when that would not
   * move the committed position forward.
   */
  committable(): string | undefined {
    if (this.processedThrough === undefined) return undefined;
    const lowestHeld = this.lowestHeld();
    let next = this.processedThrough + 1n;
    if (lowestHeld !== undefined && lowestHeld < next) next = lowestHeld;
    if (this.committed !== undefined && next <= this.committed) return undefined;
    return next.toString();
  }

  /** The broker accepted a commit of `nextOffset`. */
  committedTo(nextOffset: string): void {
    const value = BigInt(nextOffset);
    if (this.committed === undefined || value > this.committed) this.committed = value;
  }

  private lowestHeld(): bigint | undefined {
    while (this.head < this.order.length && !this.held.has(this.order[this.head]!)) this.head += 1;
    if (this.head === this.order.length) {
      this.order = [];
      this.head = 0;
      return undefined;
    }
    // Drop the released prefix now and then so the list does not grow with everything ever held.
    if (this.head > 1_024 && this.head * 2 > this.order.length) {
      this.order = this.order.slice(this.head);
      this.head = 0;
    }
    return this.order[this.head];
  }
}
