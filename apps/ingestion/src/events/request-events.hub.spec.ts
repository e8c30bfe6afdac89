import { Topics } from '@sluice/contracts';
import { inferenceResult, lifecycleEvent, streamChunk } from '../../test/stream.fixtures';
import { RequestEventsHub } from './request-events.hub';
import { RequestStream } from './request.stream';
import { sseSink } from './sse.sink';

function streamOf(hub: RequestEventsHub, tenant: string, requestId: string) {
  const written: string[] = [];
  const stream = new RequestStream(tenant, requestId, sseSink(requestId, { write: (text) => written.push(text), end: () => undefined }), {
    resultWaitMs: 1_000,
  });
  const close = hub.open(stream);
  stream.start({ terminal: false, view: {} });
  written.length = 0;
  return { stream, close, written };
}

describe('RequestEventsHub', () => {
  it('relays a message only to the streams of its request and tenant', () => {
    const hub = new RequestEventsHub();
    const mine = streamOf(hub, 'acme', 'r-1');
    const sameIdOtherTenant = streamOf(hub, 'globex', 'r-1');
    const otherRequest = streamOf(hub, 'acme', 'r-2');

    hub.dispatch(Topics.Events, lifecycleEvent('acme', 'r-1', 'routed', { lane: 'batch', reason: 'slack' }));
    hub.dispatch(Topics.Stream, streamChunk('acme', 'r-1', 0, 'hi'));

    expect(mine.written).toHaveLength(2);
    expect(sameIdOtherTenant.written).toHaveLength(0);
    expect(otherRequest.written).toHaveLength(0);
  });

  it('knows which request ids it waits for, until their streams are closed', () => {
    const hub = new RequestEventsHub();
    const first = streamOf(hub, 'acme', 'r-1');
    const second = streamOf(hub, 'acme', 'r-1');
    expect(hub.watches('r-1')).toBe(true);
    expect(hub.watches('r-2')).toBe(false);

    first.close();
    expect(hub.watches('r-1')).toBe(true);
    second.close();
    expect(hub.watches('r-1')).toBe(false);
    expect(hub.streams()).toHaveLength(0);
  });

  it('drops messages that are not valid for their topic, and topics it does not relay', () => {
    const hub = new RequestEventsHub();
    const mine = streamOf(hub, 'acme', 'r-1');

    hub.dispatch(Topics.Events, { ...lifecycleEvent('acme', 'r-1', 'routed'), lane: 'nowhere' });
    hub.dispatch(Topics.Results, { ...inferenceResult('acme', 'r-1'), status: 'maybe' });
    hub.dispatch(Topics.Accepted, lifecycleEvent('acme', 'r-1', 'accepted'));

    expect(mine.written).toHaveLength(0);
  });
});
