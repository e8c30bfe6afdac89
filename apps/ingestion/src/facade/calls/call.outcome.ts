import type { InferenceResultV1, Lane, LifecycleEventV1, StreamChunkV1 } from '@sluice/contracts';
import type { StreamSink } from '../../events/request.stream';

/** How a facade call's request ended, as far as its stream could tell. */
export type CallOutcome =
  | { kind: 'succeeded'; result: InferenceResultV1 }
  | { kind: 'failed'; event: LifecycleEventV1 }
  /** `completed` came but its result did not within the wait: the ledger has it. */
  | { kind: 'completed'; event: LifecycleEventV1 }
  /** The stream was cut short (the service is draining): the request goes on without this caller. */
  | { kind: 'cut-off' };

/** What a facade call hears while its request runs. */
export interface CallListener {
  /** The request was accepted under this id: the call's answer will name it. */
  accepted?(requestId: string): void;
  /** The lane the request is in, each time a step says it: routed, escalated, a chunk (realtime), the result. */
  lane?(lane: Lane): void;
  chunk?(chunk: StreamChunkV1): void;
}

/**
 * Follows one facade call's request through its RequestStream and settles once on its outcome. A
 * `rejected` event ends it too: the router refuses a request (budget, lanes) after ingestion took it.
 */
export class CallOutcomeSink implements StreamSink {
  readonly settled: Promise<CallOutcome>;
  private settle!: (outcome: CallOutcome) => void;
  private done = false;
  private completion?: LifecycleEventV1;

  constructor(private readonly listener: CallListener = {}) {
    this.settled = new Promise<CallOutcome>((resolve) => (this.settle = resolve));
  }

  status(): void {}

  event(event: LifecycleEventV1): void {
    if (event.type === 'routed' || event.type === 'escalated') this.tellLane(event.lane);
    if (event.type === 'failed' || event.type === 'rejected') this.finish({ kind: 'failed', event });
    if (event.type === 'completed') this.completion = event;
  }

  chunk(chunk: StreamChunkV1): void {
    // Only a realtime call streams chunks (the router sends every streamed request there).
    this.tellLane('realtime');
    this.listener.chunk?.(chunk);
  }

  result(result: InferenceResultV1): void {
    this.tellLane(result.lane);
    this.finish({ kind: 'succeeded', result });
  }

  finished(): void {
    if (this.completion !== undefined) this.finish({ kind: 'completed', event: this.completion });
    else this.finish({ kind: 'cut-off' });
  }

  keepAlive(): void {}

  end(): void {
    this.finish({ kind: 'cut-off' });
  }

  private tellLane(lane: Lane | undefined): void {
    if (lane !== undefined && !this.done) this.listener.lane?.(lane);
  }

  private finish(outcome: CallOutcome): void {
    if (this.done) return;
    this.done = true;
    this.settle(outcome);
  }
}
