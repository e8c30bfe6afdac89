import type { TenantPolicyRecord } from '@sluice/ledger';
import { admissionErrors } from './tenant.admission';

const bound: TenantPolicyRecord = { id: 'acme', disabled: false, intakeTopics: ['sluice.requests.bulk.v1'], replyToPrefixes: ['acme.', 'shared.acme.'] };

describe('admissionErrors', () => {
  it('admits a request from a topic its tenant is bound to, with a replyTo under one of its prefixes', () => {
    expect(admissionErrors(bound, 'closed', { tenant: 'acme', sourceTopic: 'sluice.requests.bulk.v1', replyTo: 'shared.acme.answers' })).toEqual([]);
  });

  it('refuses a request from another intake topic, naming the tenant', () => {
    expect(admissionErrors(bound, 'open', { tenant: 'acme', sourceTopic: 'sluice.requests.v1' })).toEqual([
      { code: 'TENANT_NOT_BOUND', message: expect.stringContaining('bound to sluice.requests.bulk.v1') as unknown, field: 'tenant' },
    ]);
  });

  it('refuses a replyTo outside the prefixes, naming replyTo, over HTTP too', () => {
    expect(admissionErrors(bound, 'open', { tenant: 'acme', replyTo: 'globex.answers' })).toEqual([
      { code: 'REPLY_TO_NOT_ALLOWED', message: expect.stringContaining('must start with acme. or shared.acme.') as unknown, field: 'replyTo' },
    ]);
  });

  it('refuses everything of a disabled tenant', () => {
    expect(admissionErrors({ ...bound, disabled: true }, 'open', { tenant: 'acme', sourceTopic: 'sluice.requests.bulk.v1' })).toMatchObject([
      { code: 'TENANT_DISABLED', field: 'tenant' },
    ]);
  });

  it('leaves an unconfigured tenant open or closed as configured', () => {
    const input = { tenant: 'newco', sourceTopic: 'sluice.requests.v1', replyTo: 'anything' };
    expect(admissionErrors(undefined, 'open', input)).toEqual([]);
    expect(admissionErrors(undefined, 'closed', input).map((error) => [error.code, error.field])).toEqual([
      ['TENANT_NOT_BOUND', 'tenant'],
      ['REPLY_TO_NOT_ALLOWED', 'replyTo'],
    ]);
    expect(admissionErrors(undefined, 'closed', { tenant: 'newco' })).toEqual([]);
  });
});
