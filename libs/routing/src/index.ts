export * from './policy/routing-policy';
export * from './estimates/lane-estimates';
export * from './decision/route-request';
