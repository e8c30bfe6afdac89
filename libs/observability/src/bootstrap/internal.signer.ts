import type { SluiceConfig } from '@sluice/config';
import { DEVELOPMENT_INTERNAL_SIGNING_KEY } from '@sluice/contracts';
import { MessageSigner } from '@sluice/kafka';

/**
 * The signer of a service's Kafka messages from SLUICE_INTERNAL_SIGNING_KEY, also accepting messages signed
 * with SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS (a rotation's overlap). The development key from the source is
 * refused in production, current or previous (anyone could forge results with it), and warned about
 * elsewhere, as the result-notifier does for its webhook key.
 */
export function internalSigner(
  config: Pick<SluiceConfig, 'SLUICE_ENV' | 'SLUICE_INTERNAL_SIGNING_KEY' | 'SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS'>,
  warn: (message: string) => void,
): MessageSigner {
  const previous = config.SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS ?? [];
  if (config.SLUICE_INTERNAL_SIGNING_KEY === DEVELOPMENT_INTERNAL_SIGNING_KEY) {
    if (config.SLUICE_ENV === 'production') {
      throw new Error('SLUICE_INTERNAL_SIGNING_KEY must be set in production: the development key is in the source for anyone to sign with');
    }
    warn("SLUICE_INTERNAL_SIGNING_KEY is not set: Sluice's messages are signed with the development key, which anyone can read in the source");
  }
  if (config.SLUICE_ENV === 'production' && previous.includes(DEVELOPMENT_INTERNAL_SIGNING_KEY)) {
    throw new Error('SLUICE_INTERNAL_SIGNING_KEYS_PREVIOUS must not hold the development key in production: messages anyone signed with it would be accepted');
  }
  return new MessageSigner(config.SLUICE_INTERNAL_SIGNING_KEY, previous);
}
