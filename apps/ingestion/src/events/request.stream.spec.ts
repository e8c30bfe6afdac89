import type { InferenceResultV1 } from '@sluice/contracts';
import { completedEvent, inferenceResult, lifecycleEvent, parseSse, relayed, streamChunk } from '../../test/stream.fixtures';
import { RequestEventsHub } from './request-events.hub';
import { RequestStream } from './request.stream';
import { sseSink } from './sse.sink';

function setUp(resultWaitMs = 5_000) {
  let written = '';
  let ended = 0;
  const timers: Array<{ run: () => void; ms: number; cancelled: boolean }> = [];
  const hub = new RequestEventsHub();
  const stream = new RequestStream('acme', 'r-1', sseSink('r-1', { write: (text) => (written += text), end: () => (ended += 1) }), {
    resultWaitMs,
    schedule: (run, ms) => {
      const timer = { run, ms, cancelled: false };
      timers.push(timer);
      return () => (timer.cancelled = true);
    },
  });
  hub.open(stream);
  return {
    stream,
    hub,
    timers,
    send: (topic: string, value: Record<string, unknown>) => hub.dispatch(topic, value),
    events: () => parseSse(written),
    names: () => parseSse(written).map((event) => event.event),
    ended: () => ended,
  };
}

const open = { terminal: false, view: { id: 'r-1', status: 'accepted' } };

describe('RequestStream', () => {
  it('starts with the ledger snapshot, then relays what was published meanwhile and afterwards, in order', () => {
    const { stream, send, names, events } = setUp();
    send(relayed.events, lifecycleEvent('acme', 'r-1', 'accepted'));
    expect(names()).toEqual([]);

    stream.start(open);
    send(relayed.events, lifecycleEvent('acme', 'r-1', 'routed', { lane: 'realtime', reason: 'deadline' }));

    expect(names()).toEqual(['status', 'accepted', 'routed']);
    expect(events()[0].data).toEqual(open.view);
    expect(events()[2]).toMatchObject({ id: 'acme.r-1.routed', data: { lane: 'realtime' } });
  });

  it('ends at once for a request the ledger already has complete', () => {
    const { stream, send, names, ended } = setUp();
    send(relayed.events, lifecycleEvent('acme', 'r-1', 'routed', { lane: 'realtime', reason: 'deadline' }));
    stream.start({ terminal: true, view: { status: 'succeeded' } });

    expect(names()).toEqual(['status', 'end']);
    expect(ended()).toBe(1);
  });

  it('sends the stored result of a request the ledger already has complete, framed as a live one, then ends', () => {
    const { stream, send, events, names, ended } = setUp();
    const stored = inferenceResult('acme', 'r-1') as unknown as InferenceResultV1;
    stream.start({ terminal: true, view: { status: 'succeeded' }, result: stored });
    send(relayed.results, inferenceResult('acme', 'r-1'));

    expect(names()).toEqual(['status', 'result', 'end']);
    expect(events()[1]).toEqual({ event: 'result', id: 'acme.r-1.realtime.1', data: stored });
    expect(ended()).toBe(1);
  });

  it('relays chunks in order, once each', () => {
    const { stream, send, events } = setUp();
    stream.start(open);
    for (const seq of [0, 1, 1, 0, 2]) send(relayed.stream, streamChunk('acme', 'r-1', seq, `t${seq}`, seq === 2));

    const chunks = events().filter((event) => event.event === 'chunk');
    expect(chunks.map((chunk) => (chunk.data as { delta: string }).delta)).toEqual(['t0', 't1', 't2']);
    expect(chunks[0].id).toBe('r-1.chunk.0');
  });

  it('delivers the result named by completed, whichever came first, and ends', () => {
    const early = setUp();
    early.stream.start(open);
    early.send(relayed.results, inferenceResult('acme', 'r-1'));
    expect(early.names()).toEqual(['status']);
    early.send(relayed.events, completedEvent('acme', 'r-1'));
    expect(early.names()).toEqual(['status', 'completed', 'result', 'end']);
    expect(early.ended()).toBe(1);

    const late = setUp();
    late.stream.start(open);
    late.send(relayed.events, completedEvent('acme', 'r-1'));
    expect(late.names()).toEqual(['status']);
    late.send(relayed.results, inferenceResult('acme', 'r-1'));
    expect(late.names()).toEqual(['status', 'completed', 'result', 'end']);
    expect(late.timers[0].cancelled).toBe(true);
  });

  it('does not deliver a result that lost the race to another lane', () => {
    const { stream, send, names, timers } = setUp();
    stream.start(open);
    send(relayed.results, inferenceResult('acme', 'r-1', 'batch'));
    send(relayed.events, completedEvent('acme', 'r-1', 'realtime'));
    expect(names()).toEqual(['status']);

    timers[0].run();
    expect(names()).toEqual(['status', 'completed', 'end']);
  });

  it('ends after the completed event when its result does not come in time', () => {
    const { stream, send, names, timers, ended } = setUp(2_500);
    stream.start(open);
    send(relayed.events, completedEvent('acme', 'r-1'));
    expect(timers.map((timer) => timer.ms)).toEqual([2_500]);

    timers[0].run();
    expect(names()).toEqual(['status', 'completed', 'end']);
    send(relayed.results, inferenceResult('acme', 'r-1'));
    expect(names()).toEqual(['status', 'completed', 'end']);
    expect(ended()).toBe(1);
  });

  it('holds completed and the result until every chunk the result counts has arrived, whatever topic was read first', () => {
    const { stream, send, names, events, timers } = setUp();
    stream.start(open);
    send(relayed.events, completedEvent('acme', 'r-1'));
    send(relayed.results, { ...inferenceResult('acme', 'r-1'), chunks: 3 });
    expect(names()).toEqual(['status']);
    send(relayed.stream, streamChunk('acme', 'r-1', 0, 'a'));
    send(relayed.stream, streamChunk('acme', 'r-1', 1, 'b'));
    expect(names()).toEqual(['status', 'chunk', 'chunk']);

    send(relayed.stream, streamChunk('acme', 'r-1', 2, '', true));
    expect(names()).toEqual(['status', 'chunk', 'chunk', 'chunk', 'completed', 'result', 'end']);
    expect(events()[5].data).toMatchObject({ chunks: 3 });
    expect(timers[0].cancelled).toBe(true);
  });

  it('completes with the result it has when chunks it counts never come in time', () => {
    const { stream, send, names, timers, ended } = setUp();
    stream.start(open);
    send(relayed.stream, streamChunk('acme', 'r-1', 0, 'a'));
    send(relayed.results, { ...inferenceResult('acme', 'r-1'), chunks: 2 });
    send(relayed.events, completedEvent('acme', 'r-1'));
    expect(names()).toEqual(['status', 'chunk']);

    timers[0].run();
    expect(names()).toEqual(['status', 'chunk', 'completed', 'result', 'end']);
    expect(ended()).toBe(1);
  });

  it('ends on failed, and passes over repeats of a step', () => {
    const { stream, send, names, ended } = setUp();
    stream.start(open);
    const routed = lifecycleEvent('acme', 'r-1', 'routed', { lane: 'realtime', reason: 'deadline' });
    send(relayed.events, routed);
    send(relayed.events, routed);
    send(relayed.events, lifecycleEvent('acme', 'r-1', 'failed', { error: { code: 'PROVIDER_ERROR', message: 'boom' } }));

    expect(names()).toEqual(['status', 'routed', 'failed', 'end']);
    expect(ended()).toBe(1);
  });

  it('writes keep-alive comments, and nothing once closed', () => {
    const { stream, send, names, ended } = setUp();
    stream.start(open);
    stream.keepAlive();
    stream.close();
    stream.close();
    stream.keepAlive();
    send(relayed.events, lifecycleEvent('acme', 'r-1', 'routed', { lane: 'realtime', reason: 'deadline' }));

    expect(names()).toEqual(['status']);
    expect(ended()).toBe(1);
  });
});
