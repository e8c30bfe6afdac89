export * from './policy/routing-policy';
export * from './policy/cache-scope';
export * from './estimates/lane-estimates';
export * from './decision/effective-deadline';
export * from './decision/route-request';
export * from './costs/cost-estimate';
export * from './coalescing/follow-leader';
export * from './intake/intake-path';
