import { distributionErrors } from '../turnaround/turnaround-distribution';
import { attainmentTargetFor, DEFAULT_POLICY, LANES, operationPolicyFor, parsePolicy, turnaroundPriorFor } from './routing-policy';

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
      turnaround: { priors: { batch: { quantilesMs: { '0.5': 10, '0.9': 5 } } }, escalationLeadMs: 0 },
      attainmentTarget: 1,
      reservedRealtimeShare: 1.5,
      tenants: { acme: { dailyBudgetUsd: 'lots', shareCache: 'yes' } },
    });
    expect(parsed.ok).toBe(false);
    if (parsed.ok) return;
    expect(parsed.errors.map((e) => e.path).sort()).toEqual(
      [
        'turnaround.priors.batch.quantilesMs.0.9',
        'turnaround.escalationLeadMs',
        'attainmentTarget',
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

  it('takes turnaround priors per lane and per provider, and attainment targets per tenant', () => {
    const parsed = parsePolicy({
      turnaround: {
        priors: { async: { quantilesMs: { '1': 60_000, '0.5': 10_000 } } },
        providers: { anthropic: { batch: { quantilesMs: { '0.9': 3_600_000 }, unfinishedShare: 0.01 } } },
        priorWeight: 5,
      },
      tenants: { acme: { attainmentTarget: 0.99 } },
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.errors));
    const { policy } = parsed;
    expect(turnaroundPriorFor(policy, 'openai', 'async')).toEqual({
      points: [
        { quantile: 0.5, ms: 10_000 },
        { quantile: 1, ms: 60_000 },
      ],
      unfinishedShare: 0,
    });
    expect(turnaroundPriorFor(policy, 'anthropic', 'batch')).toEqual({ points: [{ quantile: 0.9, ms: 3_600_000 }], unfinishedShare: 0.01 });
    expect(turnaroundPriorFor(policy, 'openai', 'batch')).toEqual(DEFAULT_POLICY.turnaround.providers.openai!.batch);
    expect(turnaroundPriorFor(policy, 'anthropic', 'realtime')).toEqual(DEFAULT_POLICY.turnaround.priors.realtime);
    expect(policy.turnaround.priorWeight).toBe(5);
    expect(policy.turnaround.escalationLeadMs).toBe(DEFAULT_POLICY.turnaround.escalationLeadMs);
    expect(attainmentTargetFor(policy, 'acme')).toBe(0.99);
    expect(attainmentTargetFor(policy, 'other')).toBe(0.999);
  });

  it('keeps the published priors valid', () => {
    for (const lane of LANES) expect(distributionErrors(DEFAULT_POLICY.turnaround.priors[lane], lane)).toEqual([]);
    for (const [provider, lanes] of Object.entries(DEFAULT_POLICY.turnaround.providers)) {
      for (const [lane, prior] of Object.entries(lanes)) expect(distributionErrors(prior, `${provider}.${lane}`)).toEqual([]);
    }
  });
});
