import type { InferenceResultV1, LifecycleEventV1, StreamChunkV1 } from '@sluice/contracts';
import type { StreamItem } from './stream.items';

/**
 * What a stream tells its reader, in order: the ledger's `status`, lifecycle `event`s, `chunk`s, the
 * delivered `result`, then `finished` once the story is over (not when the stream is cut short), and
 * `end`, once, however the stream ends. An SSE response is one reader (sseSink), a facade call another.
 */
export interface StreamSink {
  status(view: object): void;
  event(event: LifecycleEventV1): void;
  chunk(chunk: StreamChunkV1): void;
  result(result: InferenceResultV1): void;
  finished(): void;
  keepAlive(): void;
  end(): void;
}

/** What the ledger knows when the stream opens. */
export interface StreamSnapshot {
  /** Completed or failed: nothing more will happen, the snapshot is the end of the story. */
  terminal: boolean;
  /** Sent as the `status` event. */
  view: object;
  /**
   * The result the ledger holds as delivered. With a terminal snapshot it is sent as the `result`
   * event, as a live client got it: a client that connects after the result went by has no other way
   * to receive it, since the relay starts at the latest offsets.
   */
  result?: InferenceResultV1;
}

export interface RequestStreamOptions {
  /** How long to wait, after `completed`, for the result message it names. */
  resultWaitMs: number;
  /** setTimeout, replaceable in tests. */
  schedule?: (run: () => void, ms: number) => () => void;
}

// A few results at most per request (a realtime answer racing a batch one); more would be a loop upstream.
const MAX_HELD_RESULTS = 8;

function defaultSchedule(run: () => void, ms: number): () => void {
  const timer = setTimeout(run, ms);
  return () => clearTimeout(timer);
}

/**
 * One client's view of one request over Server-Sent Events. It is opened before the ledger is read,
 * so nothing published in between is missed: messages are held until `start` has sent the ledger's
 * snapshot. Then it relays lifecycle events (`accepted`, `routed`, …, by their type), token chunks
 * (`chunk`, in order, without repeats) and finally `completed`, the delivered result (`result`) and
 * `end`. A request already complete when the stream opens gets its stored result, if any, and `end`
 * at once. Chunks, results and events travel on three topics, so a reader may see them in any order
 * across topics: results are held until `completed` says which one was delivered, and `completed` is
 * held until its result and every chunk that result counts have arrived (or the wait runs out), so a
 * client always reads the text before the end of the story.
 */
export class RequestStream {
  private started = false;
  private ended = false;
  private readonly held: StreamItem[] = [];
  private readonly results = new Map<string, InferenceResultV1>();
  private readonly seenEvents = new Set<string>();
  private lastChunk = -1;
  private completion?: { event: LifecycleEventV1; resultId: string };
  private cancelWait?: () => void;
  private readonly schedule: (run: () => void, ms: number) => () => void;

  constructor(
    readonly tenant: string,
    readonly requestId: string,
    private readonly sink: StreamSink,
    private readonly options: RequestStreamOptions,
  ) {
    this.schedule = options.schedule ?? defaultSchedule;
  }

  get isEnded(): boolean {
    return this.ended;
  }

  start(snapshot: StreamSnapshot): void {
    if (this.started || this.ended) return;
    this.started = true;
    this.sink.status(snapshot.view);
    if (snapshot.terminal) {
      if (snapshot.result !== undefined) this.deliver(snapshot.result);
      else this.finish();
      return;
    }
    for (const item of this.held.splice(0)) this.relay(item);
  }

  receive(item: StreamItem): void {
    if (this.ended) return;
    if (!this.started) {
      this.held.push(item);
      return;
    }
    this.relay(item);
  }

  keepAlive(): void {
    if (!this.ended) this.sink.keepAlive();
  }

  /** Ends the stream early (client gone, service stopping); a reconnecting client starts from the ledger again. */
  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.cancelWait?.();
    this.sink.end();
  }

  private relay(item: StreamItem): void {
    switch (item.kind) {
      case 'event':
        this.relayEvent(item.event);
        return;
      case 'chunk':
        // Chunks of one request share a partition, so they arrive in order; a lower seq is a re-send.
        if (item.chunk.seq <= this.lastChunk) return;
        this.lastChunk = item.chunk.seq;
        this.sink.chunk(item.chunk);
        this.completeWhenWhole();
        return;
      case 'result':
        if (this.results.size < MAX_HELD_RESULTS) this.results.set(item.result.resultId, item.result);
        this.completeWhenWhole();
        return;
    }
  }

  private relayEvent(event: LifecycleEventV1): void {
    // A step re-emitted after a crash keeps its event id: the client sees it once.
    if (this.seenEvents.has(event.eventId)) return;
    this.seenEvents.add(event.eventId);
    if (event.type === 'completed' && event.resultId !== undefined) {
      if (this.completion !== undefined) return;
      this.completion = { event, resultId: event.resultId };
      this.cancelWait = this.schedule(() => this.complete(), this.options.resultWaitMs);
      this.completeWhenWhole();
      return;
    }
    this.sink.event(event);
    if (event.type === 'failed') this.finish();
  }

  /** Completes once `completed`, the result it names and every chunk of that result are here. */
  private completeWhenWhole(): void {
    if (this.completion === undefined) return;
    const result = this.results.get(this.completion.resultId);
    if (result === undefined || (result.chunks !== undefined && this.lastChunk < result.chunks - 1)) return;
    this.complete();
  }

  /** Writes `completed`, its result when it came, and `end`; called early only when the wait ran out. */
  private complete(): void {
    const completion = this.completion;
    if (completion === undefined || this.ended) return;
    this.sink.event(completion.event);
    const result = this.results.get(completion.resultId);
    if (result !== undefined) this.deliver(result);
    else this.finish();
  }

  private deliver(result: InferenceResultV1): void {
    this.sink.result(result);
    this.finish();
  }

  private finish(): void {
    if (this.ended) return;
    this.sink.finished();
    this.close();
  }
}
