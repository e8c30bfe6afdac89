import type { RoutingPolicy } from './routing-policy';

/** The scope of tenants whose policy shares the cache: their identical requests answer each other. */
export const SHARED_CACHE_SCOPE = '*';

/**
 * The cache and coalescing scope of a tenant's requests: its own id, or the shared scope when its
 * policy says `shareCache`. Whoever writes a cache entry or releases a coalesced flight must use the
 * same scope as the router, or hits and followers are lost.
 */
export function cacheScopeFor(policy: RoutingPolicy, tenant: string): string {
  return policy.tenants[tenant]?.shareCache === true ? SHARED_CACHE_SCOPE : tenant;
}
