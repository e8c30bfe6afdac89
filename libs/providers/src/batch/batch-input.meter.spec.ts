import { ProviderError } from '../errors/provider-error';
import { BatchInputMeter } from './batch-input.meter';

async function drain(source: AsyncIterable<unknown>): Promise<void> {
  for await (const _chunk of source) {
    // consumed for the meter's side effect
  }
}

async function* chunks(...parts: string[]): AsyncGenerator<string> {
  yield* parts;
}

describe('BatchInputMeter', () => {
  const limits = { maxRequests: 3, maxBytes: 40, maxEmbeddingInputs: null };

  it('counts requests and bytes, including a last line without a newline', async () => {
    const meter = new BatchInputMeter('openai', limits);
    await drain(meter.measure(chunks('{"a":1}\n{"b"', ':2}\n{"c":3}')));
    expect(meter.requests).toBe(3);
    expect(meter.bytes).toBe(Buffer.byteLength('{"a":1}\n{"b":2}\n{"c":3}'));
    expect(meter.violation).toBeUndefined();
  });

  it('stops the stream when there are too many requests', async () => {
    const meter = new BatchInputMeter('anthropic', limits);
    await expect(drain(meter.measure(chunks('1\n2\n3\n4\n')))).rejects.toThrow(/exceeds 3 requests/);
    expect(meter.violation).toBeInstanceOf(ProviderError);
    expect(meter.violation).toMatchObject({ kind: 'invalid_request', code: 'batch_too_large', provider: 'anthropic' });
  });

  it('stops the stream when there are too many bytes', async () => {
    const meter = new BatchInputMeter('openai', limits);
    await expect(drain(meter.measure(chunks('x'.repeat(41))))).rejects.toThrow(/exceeds 40 bytes/);
  });
});
