import { DEVELOPMENT_INTERNAL_SIGNING_KEY } from '@sluice/contracts';
import { internalSigner } from './internal.signer';

describe('internalSigner', () => {
  it('refuses the development key in production', () => {
    expect(() => internalSigner({ SLUICE_ENV: 'production', SLUICE_INTERNAL_SIGNING_KEY: DEVELOPMENT_INTERNAL_SIGNING_KEY }, () => undefined)).toThrow(
      'SLUICE_INTERNAL_SIGNING_KEY must be set in production',
    );
  });

  it('warns about the development key elsewhere, and says nothing of a key of its own', () => {
    const warnings: string[] = [];
    internalSigner({ SLUICE_ENV: 'development', SLUICE_INTERNAL_SIGNING_KEY: DEVELOPMENT_INTERNAL_SIGNING_KEY }, (message) => warnings.push(message));
    internalSigner({ SLUICE_ENV: 'production', SLUICE_INTERNAL_SIGNING_KEY: 'a-production-key-of-at-least-thirty-two-chars' }, (message) =>
      warnings.push(message),
    );
    expect(warnings).toEqual([expect.stringContaining('SLUICE_INTERNAL_SIGNING_KEY is not set')]);
  });
});
