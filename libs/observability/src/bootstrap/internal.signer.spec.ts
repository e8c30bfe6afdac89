import { DEVELOPMENT_INTERNAL_SIGNING_KEY, INTERNAL_SIGNATURE_HEADER } from '@sluice/contracts';
import { MessageSigner, type ConsumedMessage } from '@sluice/kafka';
import { internalSigner } from './internal.signer';

const OLD = 'the-old-production-key-of-at-least-32-chars';
const NEW = 'the-new-production-key-of-at-least-32-chars';

function signedWith(secret: string): ConsumedMessage {
  const signature = new MessageSigner(secret).signatureOf('sluice.results.v1', 'req-1', '{}');
  return {
    topic: 'sluice.results.v1',
    partition: 0,
    offset: '0',
    key: Buffer.from('req-1'),
    value: Buffer.from('{}'),
    headers: { [INTERNAL_SIGNATURE_HEADER]: signature },
    timestamp: '0',
  };
}

describe('internalSigner', () => {
  it('refuses the development key in production', () => {
    expect(() => internalSigner({ SLUICE_ENV: 'production', SLUICE_INTERNAL_SIGNING_KEY: DEVELOPMENT_INTERNAL_SIGNING_KEY }, () => undefined)).toThrow(
      'SLUICE_INTERNAL_SIGNING_KEY must be set in production',
    );
  });

  it('refuses the development key among the previous keys in production', () => {
    expect(() =>
      internalSigner(
        { SLUICE_ENV: 'production', SLUICE_INTERNAL_SIGNING_KEY: NEW, SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS: [OLD, DEVELOPMENT_INTERNAL_SIGNING_KEY] },
        () => undefined,
      ),
    ).toThrow('SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS must not hold the development key in production');
  });

  it('warns about the development key elsewhere, and says nothing of a key of its own', () => {
    const warnings: string[] = [];
    internalSigner({ SLUICE_ENV: 'development', SLUICE_INTERNAL_SIGNING_KEY: DEVELOPMENT_INTERNAL_SIGNING_KEY }, (message) => warnings.push(message));
    internalSigner({ SLUICE_ENV: 'production', SLUICE_INTERNAL_SIGNING_KEY: 'a-production-key-of-at-least-thirty-two-chars' }, (message) =>
      warnings.push(message),
    );
    expect(warnings).toEqual([expect.stringContaining('SLUICE_INTERNAL_SIGNING_KEY is not set')]);
  });

  it('signs with the current key and accepts the previous keys', () => {
    const signer = internalSigner(
      { SLUICE_ENV: 'production', SLUICE_INTERNAL_SIGNING_KEY: NEW, SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS: [OLD] },
      () => undefined,
    );
    expect(signer.signatureOf('sluice.results.v1', 'req-1', '{}')).toBe(new MessageSigner(NEW).signatureOf('sluice.results.v1', 'req-1', '{}'));
    expect(signer.check(signedWith(OLD))).toEqual({ ok: true });
    expect(internalSigner({ SLUICE_ENV: 'production', SLUICE_INTERNAL_SIGNING_KEY: NEW }, () => undefined).check(signedWith(OLD))).toMatchObject({
      ok: false,
      code: 'SIGNATURE_INVALID',
    });
  });
});
