import { StreamQuota } from './stream.quota';

describe('StreamQuota', () => {
  it('lets a key open up to the limit, refuses the next, and frees a place on release (once, however often released)', () => {
    const quota = new StreamQuota(2);
    const first = quota.take('a');
    const second = quota.take('a');
    expect(first).toBeDefined();
    expect(second).toBeDefined();
    expect(quota.take('a')).toBeUndefined();
    expect(quota.take('b')).toBeDefined();

    first!();
    first!();
    expect(quota.openFor('a')).toBe(1);
    expect(quota.take('a')).toBeDefined();
    expect(quota.take('a')).toBeUndefined();
  });
});
