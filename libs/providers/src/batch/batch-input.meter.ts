import type { ProviderName } from '../pricing/pricing';
import { ProviderError } from '../errors/provider-error';
import type { BatchLimits } from '../batch.interface';
import type { ByteChunk } from '../jsonl/jsonl.lines';

const NEWLINE = 0x0a;

/**
 * Counts requests (lines) and bytes of a JSONL batch input while it streams to the provider, and stops
 * the upload as soon as a provider limit is crossed: a provider would reject the batch anyway, after
 * the whole upload.
 */
export class BatchInputMeter {
  bytes = 0;
  private newlines = 0;
  private endsMidLine = false;
  /** Set when the meter stopped the stream; the upload's own error is then only a consequence. */
  violation: ProviderError | undefined;

  constructor(
    private readonly provider: ProviderName,
    private readonly limits: BatchLimits,
  ) {}

  get requests(): number {
    return this.newlines + (this.endsMidLine ? 1 : 0);
  }

  async *measure(source: AsyncIterable<ByteChunk>): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
      if (bytes.byteLength === 0) continue;
      this.bytes += bytes.byteLength;
      for (let at = bytes.indexOf(NEWLINE); at !== -1; at = bytes.indexOf(NEWLINE, at + 1)) this.newlines++;
      this.endsMidLine = bytes[bytes.byteLength - 1] !== NEWLINE;
      this.check();
      yield bytes;
    }
  }

  private check(): void {
    if (this.bytes > this.limits.maxBytes) {
      this.fail(`batch input exceeds ${this.limits.maxBytes} bytes`);
    }
    if (this.requests > this.limits.maxRequests) {
      this.fail(`batch input exceeds ${this.limits.maxRequests} requests`);
    }
  }

  private fail(message: string): never {
    this.violation = new ProviderError({
      kind: 'invalid_request',
      provider: this.provider,
      message,
      code: 'batch_too_large',
      providerRequestId: null,
    });
    throw this.violation;
  }
}
