/**
 * Where a partition may be committed to while some of its messages are held: handled, but waiting
 * for work that makes them durable elsewhere (a batch window that has not been submitted yet).
 * Everything before the lowest held offset is done; with nothing held, everything processed is.
 * Offsets are decimal strings (Kafka's int64), compared as bigints. No I/O.
 */
export class HeldOffsets {
  private processedThrough: bigint | undefined;
  private readonly held = new Set<bigint>();
  private committed: bigint | undefined;

  /** Every message up to and including `offset` has been handled (held ones included). */
  processed(offset: string): void {
    const value = BigInt(offset);
    if (this.processedThrough === undefined || value > this.processedThrough) this.processedThrough = value;
  }

  hold(offset: string): void {
    this.held.add(BigInt(offset));
  }

  /** The held message is durable now; it no longer keeps the commit back. */
  release(offset: string): void {
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
    let next = this.processedThrough + 1n;
    for (const offset of this.held) if (offset < next) next = offset;
    if (this.committed !== undefined && next <= this.committed) return undefined;
    return next.toString();
  }

  /** The broker accepted a commit of `nextOffset`. */
  committedTo(nextOffset: string): void {
    const value = BigInt(nextOffset);
    if (this.committed === undefined || value > this.committed) this.committed = value;
  }
}
