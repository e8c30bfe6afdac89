import { toProducerBatches } from './kafka-router.publisher';
import { DEFAULT_ROUTER_TOPICS } from './router.topics';

describe('toProducerBatches', () => {
  it("sends each destination to its topic, grouped in order, each message with its own request's correlation headers", () => {
    const r1 = { requestId: 'r1', correlationId: 'c-9' };
    const r2 = { requestId: 'r2', traceparent: '00-abc-def-01' };
    const batches = toProducerBatches(
      [
        { message: { to: 'batch', key: 'r1', value: { n: 1 } }, correlation: r1 },
        { message: { to: 'events', key: 'r1', value: { n: 2 } }, correlation: r1 },
        { message: { to: 'batch', key: 'r2', value: { n: 3 } }, correlation: r2 },
      ],
      DEFAULT_ROUTER_TOPICS,
    );
    expect(batches).toEqual([
      {
        topic: 'sluice.lane.batch.v1',
        messages: [
          { key: 'r1', value: { n: 1 }, requestId: 'r1', correlationId: 'c-9' },
          { key: 'r2', value: { n: 3 }, requestId: 'r2', traceparent: '00-abc-def-01' },
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
