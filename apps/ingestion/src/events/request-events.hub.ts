import type { RequestStream } from './request.stream';
import { StreamItem, streamItemOf } from './stream.items';

/** Takes every relayed message of one tenant, or of all of them (`tenant` null): the console's live feed. */
export interface FeedListener {
  tenant: string | null;
  receive(item: StreamItem): void;
  keepAlive(): void;
  close(): void;
}

/**
 * The open event streams of this instance, by request id, fed by the instance's one relay consumer.
 * Messages are keyed by request id, so most are passed over on their key alone, before being decoded;
 * a message reaches a stream only when its tenant is the stream's too.
 */
export class RequestEventsHub {
  private readonly byRequest = new Map<string, Set<RequestStream>>();
  private readonly feeds = new Set<FeedListener>();

  /** Registers a stream; the returned function removes it. */
  open(stream: RequestStream): () => void {
    const streams = this.byRequest.get(stream.requestId) ?? new Set<RequestStream>();
    streams.add(stream);
    this.byRequest.set(stream.requestId, streams);
    return () => {
      streams.delete(stream);
      if (streams.size === 0 && this.byRequest.get(stream.requestId) === streams) this.byRequest.delete(stream.requestId);
    };
  }

  /** Registers a feed of every request's messages; the returned function removes it. */
  openFeed(feed: FeedListener): () => void {
    this.feeds.add(feed);
    return () => this.feeds.delete(feed);
  }

  /** No stream or feed is open. */
  get isEmpty(): boolean {
    return this.byRequest.size === 0 && this.feeds.size === 0;
  }

  /** Whether any stream waits for messages keyed `requestId` (a feed waits for all of them). */
  watches(requestId: string): boolean {
    return this.feeds.size > 0 || this.byRequest.has(requestId);
  }

  /** Relays a decoded message of a relayed topic to the streams of its request and tenant. */
  dispatch(topic: string, value: unknown): void {
    const item = streamItemOf(topic, value);
    if (item === undefined) return;
    for (const stream of this.byRequest.get(item.requestId) ?? []) {
      if (stream.tenant === item.tenant) stream.receive(item);
    }
    for (const feed of this.feeds) {
      if (feed.tenant === null || feed.tenant === item.tenant) feed.receive(item);
    }
  }

  /** Every open stream and feed: what the keeper keeps alive and closes on shutdown. */
  streams(): Array<Pick<FeedListener, 'keepAlive' | 'close'>> {
    return [...[...this.byRequest.values()].flatMap((streams) => [...streams]), ...this.feeds];
  }
}
