/**
 * Event streams open per API key, at most `limit` each: a stream holds a connection and a place in
 * the hub for as long as the client keeps it, so without a cap one key could hold them all.
 */
export class StreamQuota {
  private readonly open = new Map<string, number>();

  constructor(private readonly limit: number) {}

  /** A release function (safe to call twice) when `key` may open one more stream, else undefined. */
  take(key: string): (() => void) | undefined {
    const count = this.open.get(key) ?? 0;
    if (count >= this.limit) return undefined;
    this.open.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.open.get(key) ?? 1) - 1;
      if (left === 0) this.open.delete(key);
      else this.open.set(key, left);
    };
  }

  openFor(key: string): number {
    return this.open.get(key) ?? 0;
  }
}
