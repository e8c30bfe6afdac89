import type { RequestStream } from './request.stream';
import { streamItemOf } from './stream.items';

/**
 * The open event streams of this instance, by request id, fed by the instance's one relay consumer.
 * Messages are keyed by request id, so most are passed over on their key alone, before being decoded;
 * a message reaches a stream only when its tenant is the stream's too.
 */
export class RequestEventsHub {
  private readonly byRequest = new Map<string, Set<RequestStream>>();

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

  /** No stream is open. */
  get isEmpty(): boolean {
    return this.byRequest.size === 0;
  }

  /** Whether any stream waits for messages keyed `requestId`. */
  watches(requestId: string): boolean {
    return this.byRequest.has(requestId);
  }

  /** Relays a decoded message of a relayed topic to the streams of its request and tenant. */
  dispatch(topic: string, value: unknown): void {
    const item = streamItemOf(topic, value);
    if (item === undefined) return;
    for (const stream of this.byRequest.get(item.requestId) ?? []) {
      if (stream.tenant === item.tenant) stream.receive(item);
    }
  }

  streams(): RequestStream[] {
    return [...this.byRequest.values()].flatMap((streams) => [...streams]);
  }
}
