import { toProducerBatches } from './kafka-router.publisher';
import { DEFAULT_ROUTER_TOPICS } from './router.topics';

describe('toProducerBatches', () => {
  it('sends each destination to its topic, grouped in order, with the correlation headers on every message', () => {
    const batches = toProducerBatches(
      [
        { to: 'batch', key: 'r1', value: { n: 1 } },
        { to: 'events', key: 'r1', value: { n: 2 } },
        { to: 'batch', key: 'r1', value: { n: 3 } },
      ],
      DEFAULT_ROUTER_TOPICS,
      { requestId: 'r1', correlationId: 'c-9' },
    );
    expect(batches).toEqual([
      {
        topic: 'sluice.lane.batch.v1',
        messages: [
          { key: 'r1', value: { n: 1 }, requestId: 'r1', correlationId: 'c-9' },
          { key: 'r1', value: { n: 3 }, requestId: 'r1', correlationId: 'c-9' },
        ],
      },
      { topic: 'sluice.events.v1', messages: [{ key: 'r1', value: { n: 2 }, requestId: 'r1', correlationId: 'c-9' }] },
    ]);
  });

  it('knows a topic for every destination', () => {
    expect(DEFAULT_ROUTER_TOPICS).toEqual({
      realtime: 'sluice.lane.realtime.v1',
      async: 'sluice.lane.async.v1',
      batch: 'sluice.lane.batch.v1',
      results: 'sluice.results.v1',
      events: 'sluice.events.v1',
    });
  });
});
