import { costUsd, findModelPrice } from '@sluice/providers';
import { DEFAULT_POLICY, parsePolicy } from '@sluice/routing';
import { CostedRequest, FIXED_ESTIMATES_MS, baselinesOf, boundOf, laneCostsUsd, lanesAllowed } from './cost.bounds';

const HOUR = 3_600_000;
const ESTIMATES = FIXED_ESTIMATES_MS;
const usage = { inputTokens: 1_000_000, outputTokens: 100_000 };

function request(overrides: Partial<CostedRequest> = {}): CostedRequest {
  return { tenant: 'demo', provider: 'openai', model: 'gpt-5', operation: 'chat', stream: false, deadlineMs: 15 * 60_000, usage, ...overrides };
}

describe('laneCostsUsd', () => {
  it('prices async at flex where the model has it, else at list; batch at the batch tier', () => {
    const gpt5 = findModelPrice('openai', 'gpt-5');
    const mini = findModelPrice('openai', 'gpt-4o-mini');
    if (!gpt5 || !mini) throw new Error('catalog changed');
    // gpt-5: 1.25 USD per M input, 10 per M output; flex and batch both half.
    expect(laneCostsUsd(gpt5, usage)).toEqual({ realtime: 2.25, async: 1.125, batch: 1.125 });
    expect(laneCostsUsd(mini, usage)).toEqual({
      realtime: costUsd(mini, usage, 'standard'),
      async: costUsd(mini, usage, 'standard'),
      batch: costUsd(mini, usage, 'batch'),
    });
  });
});

describe('lanesAllowed', () => {
  const all = ['realtime', 'async', 'batch'] as const;

  it('allows a lane when the deadline exceeds its estimate, and realtime always', () => {
    expect(lanesAllowed({ deadlineMs: 30_000, stream: false }, ESTIMATES, all)).toEqual(['realtime']);
    expect(lanesAllowed({ deadlineMs: 1_000, stream: false }, ESTIMATES, all)).toEqual(['realtime']);
    expect(lanesAllowed({ deadlineMs: 5 * 60_000, stream: false }, ESTIMATES, all)).toEqual(['realtime']);
    expect(lanesAllowed({ deadlineMs: 5 * 60_000 + 1, stream: false }, ESTIMATES, all)).toEqual(['realtime', 'async']);
    expect(lanesAllowed({ deadlineMs: 12 * HOUR, stream: false }, ESTIMATES, all)).toEqual(['realtime', 'async', 'batch']);
  });

  it('keeps a streamed request on realtime and a lane the model or policy lacks out', () => {
    expect(lanesAllowed({ deadlineMs: 12 * HOUR, stream: true }, ESTIMATES, all)).toEqual(['realtime']);
    expect(lanesAllowed({ deadlineMs: 12 * HOUR, stream: false }, ESTIMATES, ['async', 'batch'])).toEqual(['async', 'batch']);
  });
});

describe('boundOf', () => {
  it('puts a request in the cheapest lane its deadline allows', () => {
    expect(boundOf(request({ deadlineMs: 30_000 }), DEFAULT_POLICY)).toEqual({
      cheapestLane: 'realtime',
      lowerBoundUsd: 2.25,
      allRealtimeUsd: 2.25,
      allBatchUsd: 1.125,
      allBatchMeetsDeadline: false,
    });
    expect(boundOf(request(), DEFAULT_POLICY)).toMatchObject({ cheapestLane: 'async', lowerBoundUsd: 1.125, allBatchMeetsDeadline: false });
    expect(boundOf(request({ deadlineMs: 12 * HOUR }), DEFAULT_POLICY)).toMatchObject({
      cheapestLane: 'async',
      lowerBoundUsd: 1.125,
      allBatchMeetsDeadline: true,
    });
  });

  it('gives a tie in price to the faster lane, so a model without flex saves only in batch', () => {
    const mini = request({ model: 'gpt-4o-mini' });
    expect(boundOf(mini, DEFAULT_POLICY).cheapestLane).toBe('realtime');
    expect(boundOf({ ...mini, deadlineMs: 12 * HOUR }, DEFAULT_POLICY).cheapestLane).toBe('batch');
  });

  it('keeps to the lanes the tenant policy allows', () => {
    const parsed = parsePolicy({ tenants: { demo: { operations: { chat: { allowedLanes: ['realtime'] } } } } });
    if (!parsed.ok) throw new Error('bad policy');
    expect(boundOf(request({ deadlineMs: 12 * HOUR }), parsed.policy).cheapestLane).toBe('realtime');
  });

  it('refuses a model the catalog does not price', () => {
    expect(() => boundOf(request({ model: 'gpt-0' }), DEFAULT_POLICY)).toThrow('no price in the catalog for openai gpt-0');
  });
});

describe('baselinesOf', () => {
  it('sums the lower bound, all-realtime and naive all-batch with the deadlines batch would miss', () => {
    const requests = [
      request({ deadlineMs: 30_000, stream: true }),
      request({ model: 'gpt-4o-mini', deadlineMs: 15 * 60_000 }),
      request({ model: 'text-embedding-3-small', operation: 'embedding', deadlineMs: 12 * HOUR, usage: { inputTokens: 1_000_000, outputTokens: 0 } }),
    ];
    const mini = findModelPrice('openai', 'gpt-4o-mini');
    if (!mini) throw new Error('catalog changed');
    const miniList = costUsd(mini, usage, 'standard');
    const baselines = baselinesOf(requests, DEFAULT_POLICY);
    expect(baselines.requests).toBe(3);
    expect(baselines.lowerBoundLanes).toEqual({ realtime: 2, async: 0, batch: 1 });
    expect(baselines.lowerBoundUsd).toBeCloseTo(2.25 + miniList + 0.01, 12);
    expect(baselines.allRealtimeUsd).toBeCloseTo(2.25 + miniList + 0.02, 12);
    expect(baselines.naiveAllBatch.usd).toBeCloseTo((2.25 + miniList + 0.02) / 2, 12);
    expect(baselines.naiveAllBatch.missedDeadlines).toBe(2);
  });
});
