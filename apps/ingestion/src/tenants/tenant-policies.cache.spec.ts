import type { TenantPolicyRecord } from '@sluice/ledger';
import { TenantPoliciesCache } from './tenant-policies.cache';

/** A ledger whose policies the test sets, counting how often they are read. */
class Source {
  reads = 0;
  failing = false;
  policies: TenantPolicyRecord[] = [];

  read = async (): Promise<TenantPolicyRecord[]> => {
    this.reads += 1;
    if (this.failing) throw new Error('database unavailable');
    return this.policies;
  };
}

describe('TenantPoliciesCache', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('answers from memory, picks changes up at the next refresh, and keeps the last policies when a refresh fails', async () => {
    const source = new Source();
    source.policies = [{ id: 'acme', disabled: false, intakeTopics: ['sluice.requests.bulk.v1'], replyToPrefixes: null }];
    const warnings: string[] = [];
    const cache = new TenantPoliciesCache({ policies: source.read }, { unconfigured: 'open', refreshMs: 1_000 }, {
      warn: (_fields: unknown, message?: string) => warnings.push(message ?? ''),
    } as never);
    await cache.start();
    const fromRequests = { tenant: 'acme', sourceTopic: 'sluice.requests.v1' };

    for (let i = 0; i < 100; i += 1) expect(cache.errors(fromRequests)).toMatchObject([{ code: 'TENANT_NOT_BOUND' }]);
    expect(source.reads).toBe(1);

    source.policies = [{ id: 'acme', disabled: false, intakeTopics: ['sluice.requests.v1'], replyToPrefixes: null }];
    await jest.advanceTimersByTimeAsync(1_000);
    expect(source.reads).toBe(2);
    expect(cache.errors(fromRequests)).toEqual([]);

    source.failing = true;
    await jest.advanceTimersByTimeAsync(1_000);
    expect(cache.errors(fromRequests)).toEqual([]);
    expect(warnings).toEqual([expect.stringContaining('could not be refreshed')]);
    cache.stop();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(source.reads).toBe(3);
  });

  it('fails its start when the policies cannot be read: nothing is admitted on a guess', async () => {
    const source = new Source();
    source.failing = true;
    const cache = new TenantPoliciesCache({ policies: source.read }, { unconfigured: 'open', refreshMs: 1_000 }, { warn: () => undefined } as never);
    await expect(cache.start()).rejects.toThrow('database unavailable');
  });
});
