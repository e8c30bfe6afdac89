import { cacheScopeFor, SHARED_CACHE_SCOPE } from './cache-scope';
import { parsePolicy, type RoutingPolicy } from './routing-policy';

function policy(plain: unknown): RoutingPolicy {
  const parsed = parsePolicy(plain);
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
  return parsed.policy;
}

describe('cacheScopeFor', () => {
  const p = policy({ tenants: { open: { shareCache: true }, closed: { shareCache: false } } });

  it('shares only for tenants whose policy says so', () => {
    expect(cacheScopeFor(p, 'open')).toBe(SHARED_CACHE_SCOPE);
    expect(cacheScopeFor(p, 'closed')).toBe('closed');
  });

  it('keeps tenants without a policy entry to themselves', () => {
    expect(cacheScopeFor(p, 'stranger')).toBe('stranger');
  });
});
