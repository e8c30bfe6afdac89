import { stageSplit } from './stage.split';

describe('stage split', () => {
  it('gives each stage the distribution of its durations, leaving out requests without both stamps', () => {
    const split = stageSplit([
      { producedAt: 0, receivedAt: 10, acceptedAt: 15, routedAt: 40, laneAt: 45, readAt: 50 },
      { producedAt: 0, receivedAt: 30, acceptedAt: 35, routedAt: Number.NaN, laneAt: Number.NaN, readAt: Number.NaN },
    ]);
    expect(split.produceToReceived).toMatchObject({ samples: 2, p50Ms: 10, maxMs: 30 });
    expect(split.acceptedToRouted).toMatchObject({ samples: 1, p50Ms: 25 });
    expect(split.produceToAccepted).toMatchObject({ samples: 2, p50Ms: 15, p99Ms: 35 });
    expect(split.acceptedToLane).toMatchObject({ samples: 1, p50Ms: 30 });
    expect(split.laneToRead).toMatchObject({ samples: 1, p50Ms: 5 });
  });
});
