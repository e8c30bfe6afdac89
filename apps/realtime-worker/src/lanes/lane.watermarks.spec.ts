import { laneWatermarks } from './lane.watermarks';

describe('laneWatermarks', () => {
  it('holds the largest model capacity plus one group, and resumes once a whole group fits again', () => {
    const overrides = new Map([
      ['openai:gpt-4o', 64],
      ['openai:gpt-4o-mini', 8],
    ]);
    expect(laneWatermarks({ defaultCapacity: 32, overrides, batchSize: 16 })).toEqual({ highWaterMark: 80, lowWaterMark: 64 });
    expect(laneWatermarks({ defaultCapacity: 32, overrides: new Map(), batchSize: 16 })).toEqual({ highWaterMark: 48, lowWaterMark: 32 });
  });

  it('takes WORKER_MAX_IN_FLIGHT as it is when set, resuming under half of it', () => {
    expect(laneWatermarks({ defaultCapacity: 32, overrides: new Map(), batchSize: 16, maxInFlight: 500 })).toEqual({ highWaterMark: 500, lowWaterMark: 250 });
    expect(laneWatermarks({ defaultCapacity: 32, overrides: new Map(), batchSize: 16, maxInFlight: 1 })).toEqual({ highWaterMark: 1, lowWaterMark: 1 });
  });
});
