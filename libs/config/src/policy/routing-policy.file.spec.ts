import { DEFAULT_POLICY } from '@sluice/routing';
import { policyFromText, RoutingPolicyError } from './routing-policy.file';

describe('policyFromText', () => {
  it('merges a valid file over the defaults', () => {
    const policy = policyFromText(JSON.stringify({ tenants: { acme: { dailyBudgetUsd: 5, shareCache: true } } }), '/etc/policy.json');
    expect(policy.operations).toEqual(DEFAULT_POLICY.operations);
    expect(policy.tenants.acme).toEqual({ operations: {}, dailyBudgetUsd: 5, shareCache: true });
  });

  it('names the file when it is not JSON', () => {
    expect(() => policyFromText('{ "tenants": ', '/etc/policy.json')).toThrow(RoutingPolicyError);
    expect(() => policyFromText('{ "tenants": ', '/etc/policy.json')).toThrow(/^routing policy \/etc\/policy\.json is not valid JSON: /);
  });

  it('names the file and every offending setting', () => {
    const text = JSON.stringify({ reservedRealtimeShare: 2, tenants: { acme: { dailyBudgetUsd: -1, colour: 'red' } } });
    expect(() => policyFromText(text, 'policy.json')).toThrow(
      'routing policy policy.json is invalid: reservedRealtimeShare must be a number in [0, 1); tenants.acme.colour is not a known policy setting; tenants.acme.dailyBudgetUsd must be a positive number',
    );
  });

  it('refuses a file that is not an object', () => {
    expect(() => policyFromText('[]', 'p.json')).toThrow('routing policy p.json is invalid: (top level) policy must be a JSON object');
  });
});
