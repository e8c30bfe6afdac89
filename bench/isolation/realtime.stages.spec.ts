import { RealtimeStages } from './realtime.stages';

const at = (ms: number): string => new Date(ms).toISOString();

describe('RealtimeStages', () => {
  it('splits each request into its four stages from the stamps of its result', () => {
    const stages = new RealtimeStages();
    stages.record(1_000, { receivedAt: at(1_002), routedAt: at(1_005), completedAt: at(1_015) }, 1_016);
    stages.record(2_000, { receivedAt: at(2_004), routedAt: at(2_011), completedAt: at(2_031) }, 2_033);
    const split = stages.split();
    expect(split.produceToReceived).toMatchObject({ samples: 2, p50Ms: 2, maxMs: 4 });
    expect(split.receivedToRouted).toMatchObject({ samples: 2, p50Ms: 3, maxMs: 7 });
    expect(split.routedToCompleted).toMatchObject({ samples: 2, p50Ms: 10, maxMs: 20 });
    expect(split.completedToConsumed).toMatchObject({ samples: 2, p50Ms: 1, maxMs: 2 });
  });

  it('leaves out the stages whose stamps a result lacks', () => {
    const stages = new RealtimeStages();
    stages.record(1_000, { receivedAt: at(1_002), completedAt: at(1_015) }, 1_016);
    stages.record(1_000, undefined, 1_020);
    const split = stages.split();
    expect(split.produceToReceived.samples).toBe(1);
    expect(split.receivedToRouted.samples).toBe(0);
    expect(split.routedToCompleted.samples).toBe(0);
    expect(split.completedToConsumed.samples).toBe(1);
  });
});
