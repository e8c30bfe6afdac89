import type { StreamChunkV1 } from '@sluice/contracts';
import { finishReasonOf, StreamChunkPublisher } from './stream-chunk.publisher';

const AT = new Date('2030-01-01T00:00:00.000Z');

/** A sink whose sends complete only when the test says so. */
function gatedSink() {
  const sent: StreamChunkV1[][] = [];
  const gates: Array<(error?: Error) => void> = [];
  const sink = (chunks: readonly StreamChunkV1[]): Promise<void> => {
    sent.push([...chunks]);
    return new Promise<void>((resolve, reject) => gates.push((error) => (error ? reject(error) : resolve())));
  };
  const open = async (error?: Error): Promise<void> => {
    gates.shift()!(error);
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { sent, sink, open, pending: () => gates.length };
}

function publisher(sink: (chunks: readonly StreamChunkV1[]) => Promise<void>): StreamChunkPublisher {
  return new StreamChunkPublisher({ requestId: 'req-1', tenant: 'acme' }, sink, () => AT);
}

describe('StreamChunkPublisher', () => {
  it('sends the first delta at once and joins the ones that arrive while it is in flight', async () => {
    const { sent, sink, open } = gatedSink();
    const stream = publisher(sink);
    stream.push('Hel');
    stream.push('lo');
    stream.push(' world');
    expect(sent.map((batch) => batch.map((chunk) => chunk.delta))).toEqual([['Hel']]);
    await open();
    expect(sent.map((batch) => batch.map((chunk) => chunk.delta))).toEqual([['Hel'], ['lo world']]);
  });

  it('numbers the chunks from 0 and marks only the last one final', async () => {
    const sent: StreamChunkV1[] = [];
    const stream = publisher(async (chunks) => {
      sent.push(...chunks);
    });
    stream.push('a');
    await new Promise((resolve) => setImmediate(resolve));
    stream.push('b');
    expect(await stream.finish('stop')).toBe(3);
    expect(sent).toEqual([
      { requestId: 'req-1', tenant: 'acme', seq: 0, delta: 'a', final: false, at: AT.toISOString() },
      { requestId: 'req-1', tenant: 'acme', seq: 1, delta: 'b', final: false, at: AT.toISOString() },
      { requestId: 'req-1', tenant: 'acme', seq: 2, delta: '', final: true, finishReason: 'stop', at: AT.toISOString() },
    ]);
  });

  it('waits for the chunks in flight before the final one, and puts what is left into it', async () => {
    const { sent, sink, open, pending } = gatedSink();
    const stream = publisher(sink);
    stream.push('one');
    stream.push(' two');
    const finished = stream.finish('length');
    await open();
    await open();
    expect(pending()).toBe(1);
    await open();
    await finished;
    expect(sent.flat().map((chunk) => [chunk.seq, chunk.delta, chunk.final])).toEqual([
      [0, 'one', false],
      [1, ' two', false],
      [2, '', true],
    ]);
  });

  it('sends a single final chunk for a stream without text', async () => {
    const sent: StreamChunkV1[] = [];
    const stream = publisher(async (chunks) => {
      sent.push(...chunks);
    });
    stream.push('');
    expect(stream.started).toBe(false);
    await stream.finish('error');
    expect(sent).toEqual([expect.objectContaining({ seq: 0, delta: '', final: true, finishReason: 'error' })]);
  });

  it('reports that text went out once anything was pushed', () => {
    const stream = publisher(() => new Promise(() => undefined));
    stream.push('x');
    expect(stream.started).toBe(true);
  });

  it('fails the stream when a send fails', async () => {
    const { sink, open } = gatedSink();
    const stream = publisher(sink);
    stream.push('a');
    await open(new Error('broker gone'));
    expect(() => stream.push('b')).toThrow('broker gone');
    await expect(stream.finish()).rejects.toThrow('broker gone');
  });

  it('refuses text after finish', async () => {
    const stream = publisher(async () => undefined);
    await stream.finish();
    expect(() => stream.push('late')).toThrow(/already finished/);
  });
});

describe('finishReasonOf', () => {
  it("reads OpenAI's first choice and Anthropic's stop reason", () => {
    expect(finishReasonOf({ choices: [{ finish_reason: 'length' }] })).toBe('length');
    expect(finishReasonOf({ stop_reason: 'end_turn' })).toBe('end_turn');
    expect(finishReasonOf({ data: [] })).toBeUndefined();
    expect(finishReasonOf(null)).toBeUndefined();
  });
});
