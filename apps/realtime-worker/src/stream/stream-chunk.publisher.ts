import type { StreamChunkV1 } from '@sluice/contracts';

/** Writes chunks of one request to `sluice.stream.v1`, keyed by its request id; resolves once they are stored. */
export type ChunkSink = (chunks: readonly StreamChunkV1[]) => Promise<void>;

const FINISH_REASON_LIMIT = 64;

/**
 * Publishes the text deltas of one streamed completion in order, numbered from 0, the last one
 * marked final. At most one send is in flight: deltas that arrive meanwhile are joined into the next
 * chunk, so a fast stream costs a few Kafka round trips rather than one per token, and a slow one
 * still goes out delta by delta. A failed send fails the stream (the next push or finish throws).
 */
export class StreamChunkPublisher {
  private seq = 0;
  private pending = '';
  private sending?: Promise<void>;
  private failure?: { error: unknown };
  private finishing = false;
  private anyText = false;

  constructor(
    private readonly subject: { requestId: string; tenant: string },
    private readonly sink: ChunkSink,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** True once any text was handed over: a retry from scratch would repeat it on the topic. */
  get started(): boolean {
    return this.anyText;
  }

  push(text: string): void {
    if (this.failure) throw this.failure.error;
    if (this.finishing) throw new Error('the stream was already finished');
    if (text === '') return;
    this.anyText = true;
    this.pending += text;
    this.pump();
  }

  /** Waits for the chunks in flight, then publishes what is left as the final chunk; resolves to how many chunks went out. */
  async finish(finishReason?: string): Promise<number> {
    this.finishing = true;
    while (this.sending) await this.sending;
    if (this.failure) throw this.failure.error;
    const last = this.chunk(this.pending, true, finishReason);
    this.pending = '';
    await this.sink([last]);
    return this.seq;
  }

  private pump(): void {
    if (this.sending || this.pending === '' || this.failure) return;
    const next = this.chunk(this.pending, false);
    this.pending = '';
    this.sending = this.sink([next]).then(
      () => {
        this.sending = undefined;
        this.pump();
      },
      (error: unknown) => {
        this.sending = undefined;
        this.failure = { error };
      },
    );
  }

  private chunk(delta: string, final: boolean, finishReason?: string): StreamChunkV1 {
    return {
      requestId: this.subject.requestId,
      tenant: this.subject.tenant,
      seq: this.seq++,
      delta,
      final,
      ...(finishReason && { finishReason: finishReason.slice(0, FINISH_REASON_LIMIT) }),
      at: this.clock().toISOString(),
    };
  }
}

/** The reason a completion stopped, from either provider's body: OpenAI's first choice, Anthropic's stop_reason. */
export function finishReasonOf(response: unknown): string | undefined {
  const body = response as { choices?: Array<{ finish_reason?: unknown }>; stop_reason?: unknown } | null;
  const reason = body?.choices?.[0]?.finish_reason ?? body?.stop_reason;
  return typeof reason === 'string' ? reason : undefined;
}
