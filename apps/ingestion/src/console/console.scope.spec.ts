import { consoleScopeOf, mayRead, narrowedTenant } from './console.scope';

describe('console scope', () => {
  const caller = (tenant: string) => ({ tenant, keyPrefix: '0123456789ab' });

  it('gives a key of an operator tenant every tenant, any other key its own', () => {
    expect(consoleScopeOf(caller('ops'), ['ops'])).toEqual({ tenant: null, operator: true });
    expect(consoleScopeOf(caller('acme'), ['ops'])).toEqual({ tenant: 'acme', operator: false });
    expect(consoleScopeOf(caller('ops'), undefined)).toEqual({ tenant: 'ops', operator: false });
  });

  it('lets a tenant read only itself', () => {
    expect(mayRead({ tenant: 'acme', operator: false }, 'acme')).toBe(true);
    expect(mayRead({ tenant: 'acme', operator: false }, 'other')).toBe(false);
    expect(mayRead({ tenant: null, operator: true }, 'other')).toBe(true);
  });

  it('narrows a search to the asked tenant, never past the scope', () => {
    expect(narrowedTenant({ tenant: null, operator: true }, undefined)).toBeNull();
    expect(narrowedTenant({ tenant: null, operator: true }, 'acme')).toBe('acme');
    expect(narrowedTenant({ tenant: 'acme', operator: false }, undefined)).toBe('acme');
    expect(narrowedTenant({ tenant: 'acme', operator: false }, 'acme')).toBe('acme');
    expect(narrowedTenant({ tenant: 'acme', operator: false }, 'other')).toBeUndefined();
  });
});
