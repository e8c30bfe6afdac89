import { planBatch, planResult, ResultFacts } from './result.plan';

const providerAnswer: ResultFacts = { published: false, cacheable: true, lane: 'realtime', status: 'succeeded' };

describe('planResult', () => {
  it('delivers, caches, answers followers and accounts a first booking from a provider lane', () => {
    expect(planResult('booked', providerAnswer)).toEqual({ deliver: true, cache: true, answerFollowers: true, account: 'completion' });
  });

  it('does not cache a failure, but still answers the followers with it', () => {
    expect(planResult('booked', { ...providerAnswer, status: 'failed' })).toEqual({
      deliver: true,
      cache: false,
      answerFollowers: true,
      account: 'completion',
    });
  });

  it('neither caches nor releases for a request that may not use the cache', () => {
    expect(planResult('booked', { ...providerAnswer, cacheable: false })).toEqual({
      deliver: true,
      cache: false,
      answerFollowers: false,
      account: 'completion',
    });
  });

  it("treats an answer from the cache lane as nobody's leader and caches it no further", () => {
    expect(planResult('booked', { ...providerAnswer, lane: 'cache' })).toEqual({
      deliver: true,
      cache: false,
      answerFollowers: false,
      account: 'completion',
    });
  });

  it('finishes an unpublished earlier booking (a crash after booking) without accounting it twice', () => {
    expect(planResult('already-booked', providerAnswer)).toEqual({ deliver: true, cache: true, answerFollowers: true, account: 'none' });
  });

  it('does nothing for a result already booked and published (a duplicate)', () => {
    expect(planResult('already-booked', { ...providerAnswer, published: true })).toEqual({
      deliver: false,
      cache: false,
      answerFollowers: false,
      account: 'none',
    });
  });

  it('only bills a superseded result: no delivery, no cache, no followers', () => {
    for (const facts of [providerAnswer, { ...providerAnswer, published: true }, { ...providerAnswer, status: 'failed' as const }]) {
      expect(planResult('superseded', facts)).toEqual({ deliver: false, cache: false, answerFollowers: false, account: 'bill' });
    }
  });
});

describe('planBatch', () => {
  const entry = (requestKey: string, outcome: 'booked' | 'already-booked' | 'superseded', published = false) => ({
    requestKey,
    outcome,
    facts: { ...providerAnswer, published },
  });

  it('plans each request of a batch as planResult does', () => {
    expect(planBatch([entry('a', 'booked'), entry('b', 'already-booked', true), entry('c', 'superseded')])).toEqual([
      planResult('booked', providerAnswer),
      planResult('already-booked', { ...providerAnswer, published: true }),
      planResult('superseded', providerAnswer),
    ]);
  });

  it('delivers a request once when the batch holds its result twice, unpublished', () => {
    const plans = planBatch([entry('a', 'already-booked'), entry('b', 'booked'), entry('a', 'already-booked')]);
    expect(plans.map((plan) => plan.deliver)).toEqual([true, true, false]);
    expect(plans[2]).toEqual({ deliver: false, cache: false, answerFollowers: false, account: 'none' });
  });

  it('still bills a losing result that follows the winner in the same batch', () => {
    expect(planBatch([entry('a', 'booked'), entry('a', 'superseded')]).map((plan) => plan.account)).toEqual(['completion', 'bill']);
  });
});
