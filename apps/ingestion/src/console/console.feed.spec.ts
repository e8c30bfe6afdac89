import { Topics } from '@sluice/contracts';
import { inferenceResult, lifecycleEvent, parseSse, streamChunk } from '../../test/stream.fixtures';
import { RequestEventsHub } from '../events/request-events.hub';
import { ConsoleFeed, RECENT_PER_TICK } from './console.feed';

function feedOf(hub: RequestEventsHub, tenant: string | null) {
  let written = '';
  let ended = false;
  const feed = new ConsoleFeed(tenant, { write: (text) => (written += text), end: () => (ended = true) });
  const close = hub.openFeed(feed);
  return { feed, close, frames: () => parseSse(written), ended: () => ended };
}

describe('ConsoleFeed', () => {
  it("counts its tenant's events and results per tick, and an operator's feed every tenant's", () => {
    const hub = new RequestEventsHub();
    const acme = feedOf(hub, 'acme');
    const all = feedOf(hub, null);
    expect(hub.watches('anything')).toBe(true);

    hub.dispatch(Topics.Events, lifecycleEvent('acme', 'r-1', 'routed', { lane: 'batch', reason: 'slack' }));
    hub.dispatch(Topics.Events, lifecycleEvent('globex', 'r-2', 'accepted'));
    hub.dispatch(Topics.Results, inferenceResult('acme', 'r-1'));
    hub.dispatch(Topics.Stream, streamChunk('acme', 'r-1', 0, 'hi'));
    acme.feed.tick(new Date('2030-01-01T00:00:01Z'));
    all.feed.tick(new Date('2030-01-01T00:00:01Z'));
    acme.feed.tick(new Date('2030-01-01T00:00:02Z'));

    expect(acme.frames().map((frame) => frame.data)).toEqual([
      {
        at: '2030-01-01T00:00:01.000Z',
        counts: { routed: 1, result: 1 },
        recent: [
          { tenant: 'acme', requestId: 'r-1', type: 'result' },
          { tenant: 'acme', requestId: 'r-1', type: 'routed' },
        ],
      },
      { at: '2030-01-01T00:00:02.000Z', counts: {}, recent: [] },
    ]);
    expect(all.frames()[0].data).toMatchObject({ counts: { routed: 1, accepted: 1, result: 1 } });
  });

  it('names at most a bounded number of requests per tick', () => {
    const hub = new RequestEventsHub();
    const { feed, frames } = feedOf(hub, null);
    for (let i = 0; i < 50; i += 1) hub.dispatch(Topics.Events, lifecycleEvent('acme', `r-${i}`, 'accepted'));
    feed.tick(new Date());
    const tick = frames()[0].data as { counts: Record<string, number>; recent: unknown[] };
    expect(tick.counts.accepted).toBe(50);
    expect(tick.recent).toHaveLength(RECENT_PER_TICK);
  });

  it('leaves the hub when closed, and writes nothing after', () => {
    const hub = new RequestEventsHub();
    const { feed, close, frames, ended } = feedOf(hub, 'acme');
    expect(hub.isEmpty).toBe(false);
    expect(hub.streams()).toHaveLength(1);
    close();
    feed.close();
    feed.tick(new Date());
    expect(hub.isEmpty).toBe(true);
    expect(hub.watches('r-1')).toBe(false);
    expect(ended()).toBe(true);
    expect(frames()).toEqual([]);
  });
});
