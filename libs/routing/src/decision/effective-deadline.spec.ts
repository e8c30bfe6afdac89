import { parsePolicy } from '../policy/routing-policy';
import { effectiveDeadlineMs } from './effective-deadline';

describe('effectiveDeadlineMs', () => {
  const parsed = parsePolicy({
    operations: { chat: { defaultDeadlineMs: 60_000 } },
    tenants: { slow: { operations: { chat: { defaultDeadlineMs: 3_600_000 } } } },
  });
  if (!parsed.ok) throw new Error('bad test policy');
  const { policy } = parsed;

  it("keeps the request's own deadline", () => {
    expect(effectiveDeadlineMs(policy, { tenant: 'slow', operation: 'chat', deadlineMs: 5_000, receivedAtMs: 1_000 })).toBe(5_000);
  });

  it('counts the tenant or operation default from receipt', () => {
    expect(effectiveDeadlineMs(policy, { tenant: 'acme', operation: 'chat', receivedAtMs: 1_000 })).toBe(61_000);
    expect(effectiveDeadlineMs(policy, { tenant: 'slow', operation: 'chat', receivedAtMs: 1_000 })).toBe(3_601_000);
  });
});
