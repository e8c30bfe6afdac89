import type { FeedListener } from '../events/request-events.hub';
import { sseComment, sseFrame } from '../events/sse.frames';
import type { StreamItem } from '../events/stream.items';

/** The most requests one tick names: enough to show what moves, bounded however busy the system is. */
export const RECENT_PER_TICK = 10;

export interface FeedTick {
  at: string;
  /** Lifecycle events by type, and `result` for results, since the last tick. */
  counts: Record<string, number>;
  /** The last requests that moved, newest first. */
  recent: Array<{ tenant: string; requestId: string; type: string }>;
}

/**
 * The console's live feed for one browser: the relayed lifecycle events and results of its scope,
 * counted and sent as one `tick` a second (token chunks are left out), so a busy system costs the
 * browser one small frame a second, not one per message.
 */
export class ConsoleFeed implements FeedListener {
  private counts: Record<string, number> = {};
  private recent: FeedTick['recent'] = [];
  private closed = false;

  constructor(
    readonly tenant: string | null,
    private readonly sink: { write(text: string): void; end(): void },
  ) {}

  receive(item: StreamItem): void {
    if (item.kind === 'chunk') return;
    const type = item.kind === 'event' ? item.event.type : 'result';
    this.counts[type] = (this.counts[type] ?? 0) + 1;
    this.recent.unshift({ tenant: item.tenant, requestId: item.requestId, type });
    if (this.recent.length > RECENT_PER_TICK) this.recent.length = RECENT_PER_TICK;
  }

  /** Sends what happened since the last tick, and starts counting again. */
  tick(now: Date): void {
    if (this.closed) return;
    const tick: FeedTick = { at: now.toISOString(), counts: this.counts, recent: this.recent };
    this.counts = {};
    this.recent = [];
    this.sink.write(sseFrame({ event: 'tick', data: tick }));
  }

  keepAlive(): void {
    if (!this.closed) this.sink.write(sseComment('keep-alive'));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.end();
  }
}
