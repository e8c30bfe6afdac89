import type { InferenceResultV1, LifecycleEventV1, StreamChunkV1 } from '@sluice/contracts';
import { completedEvent, inferenceResult, lifecycleEvent, streamChunk } from '../../../test/stream.fixtures';
import { CallOutcome, CallOutcomeSink } from './call.outcome';

const event = (type: string, extra: Record<string, unknown> = {}) => lifecycleEvent('acme', 'r-1', type, extra) as unknown as LifecycleEventV1;

function setUp() {
  const lanes: string[] = [];
  const chunks: string[] = [];
  const sink = new CallOutcomeSink({ lane: (lane) => lanes.push(lane), chunk: (chunk) => chunks.push(chunk.delta) });
  let outcome: CallOutcome | undefined;
  void sink.settled.then((settled) => (outcome = settled));
  return { sink, lanes, chunks, outcome: async () => (await Promise.resolve(), outcome) };
}

describe('CallOutcomeSink', () => {
  it('settles on the delivered result, passing on chunks and every lane it hears of', async () => {
    const { sink, lanes, chunks, outcome } = setUp();
    sink.event(event('routed', { lane: 'realtime', reason: 'slack-needs-realtime' }));
    sink.chunk(streamChunk('acme', 'r-1', 0, 'Hello') as unknown as StreamChunkV1);
    const result = inferenceResult('acme', 'r-1') as unknown as InferenceResultV1;
    sink.event(completedEvent('acme', 'r-1') as unknown as LifecycleEventV1);
    sink.result(result);
    sink.finished();
    sink.end();

    expect(await outcome()).toEqual({ kind: 'succeeded', result });
    expect(chunks).toEqual(['Hello']);
    expect(lanes).toEqual(['realtime', 'realtime', 'realtime']);
  });

  it.each([['failed'], ['rejected']])('settles as failed on a %s event', async (type) => {
    const { sink, outcome } = setUp();
    const failure = event(type, { error: { code: 'BUDGET_EXCEEDED', message: 'over budget' } });
    sink.event(failure);
    sink.finished();
    expect(await outcome()).toEqual({ kind: 'failed', event: failure });
  });

  it('settles as completed when the stream finishes after completed without its result', async () => {
    const { sink, outcome } = setUp();
    const completed = completedEvent('acme', 'r-1') as unknown as LifecycleEventV1;
    sink.event(completed);
    sink.finished();
    expect(await outcome()).toEqual({ kind: 'completed', event: completed });
  });

  it('settles as cut off when the stream ends before the story does', async () => {
    const { sink, outcome } = setUp();
    sink.event(event('routed', { lane: 'batch', reason: 'slack-allows-batch' }));
    sink.end();
    sink.result(inferenceResult('acme', 'r-1') as unknown as InferenceResultV1);
    expect(await outcome()).toEqual({ kind: 'cut-off' });
  });
});
