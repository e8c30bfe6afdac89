import { openaiDuration } from './rate-limit.headers';
import { RateLimiter } from './rate.limiter';

describe('rate limiter', () => {
  it('admits a burst of the per-minute limit, then refills continuously', () => {
    const limiter = new RateLimiter();
    const t0 = 1_000_000;
    expect(limiter.check('k', 'm', 2, 0, 10, t0).allowed).toBe(true);
    expect(limiter.check('k', 'm', 2, 0, 10, t0).allowed).toBe(true);
    const denied = limiter.check('k', 'm', 2, 0, 10, t0);
    expect(denied).toMatchObject({ allowed: false, exceeded: 'requests', retryAfterMs: 30_000 });
    expect(limiter.check('other', 'm', 2, 0, 10, t0).allowed).toBe(true);
    expect(limiter.check('k', 'm', 2, 0, 10, t0 + 30_000).allowed).toBe(true);
  });

  it('limits tokens per minute and says which limit was hit', () => {
    const limiter = new RateLimiter();
    expect(limiter.check('k', 'm', 0, 1000, 800, 0).allowed).toBe(true);
    const denied = limiter.check('k', 'm', 0, 1000, 400, 0);
    expect(denied).toMatchObject({ allowed: false, exceeded: 'tokens', retryAfterMs: 12_000 });
    expect(denied.tokens).toMatchObject({ limit: 1000, remaining: 200 });
  });

  it('formats reset durations the way OpenAI does', () => {
    expect(openaiDuration(20)).toBe('20ms');
    expect(openaiDuration(1500)).toBe('1.5s');
    expect(openaiDuration(360_000)).toBe('6m0s');
  });
});
