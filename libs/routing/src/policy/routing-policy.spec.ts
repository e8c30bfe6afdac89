import { DEFAULT_POLICY, operationPolicyFor, parsePolicy } from './routing-policy';

describe('parsePolicy', () => {
  it('merges a partial policy over the defaults', () => {
    const parsed = parsePolicy({ operations: { chat: { defaultDeadlineMs: 5_000 } }, reservedRealtimeShare: 0.5 });
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.policy.operations.chat).toEqual({ defaultDeadlineMs: 5_000, allowedLanes: DEFAULT_POLICY.operations.chat.allowedLanes });
    expect(parsed.policy.operations.embedding).toEqual(DEFAULT_POLICY.operations.embedding);
    expect(parsed.policy.reservedRealtimeShare).toBe(0.5);
  });

  it('names every offending path', () => {
    const parsed = parsePolicy({
      operations: { chat: { allowedLanes: ['realtime', 'carrier-pigeon'] }, images: {} },
      defaultEstimatesMs: { batch: -1 },
      reservedRealtimeShare: 1.5,
      tenants: { acme: { dailyBudgetUsd: 'lots', shareCache: 'yes' } },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.path).sort()).toEqual(
      [
        'defaultEstimatesMs.batch',
        'operations.chat.allowedLanes',
        'operations.images',
        'reservedRealtimeShare',
        'tenants.acme.dailyBudgetUsd',
        'tenants.acme.shareCache',
      ].sort(),
    );
    expect(parsed.errors.find((e) => e.path === 'operations.chat.allowedLanes')?.message).toMatch(/carrier-pigeon/);
  });

  it('refuses a policy that is not an object', () => {
    expect(parsePolicy([])).toEqual({ ok: false, errors: [{ path: '', message: 'policy must be a JSON object' }] });
  });

  it('gives a tenant its overrides and the operation defaults for the rest', () => {
    const parsed = parsePolicy({ tenants: { acme: { operations: { embedding: { allowedLanes: ['batch'] } }, shareCache: true } } });
    if (!parsed.ok) throw new Error('policy should parse');
    expect(operationPolicyFor(parsed.policy, 'acme', 'embedding')).toEqual({
      defaultDeadlineMs: DEFAULT_POLICY.operations.embedding.defaultDeadlineMs,
      allowedLanes: ['batch'],
    });
    expect(operationPolicyFor(parsed.policy, 'other', 'embedding')).toEqual(DEFAULT_POLICY.operations.embedding);
    expect(parsed.policy.tenants.acme.shareCache).toBe(true);
  });
});
